// The repository's apps (tests, examples, benches) use the kit's user as their `req.user`:
// the opt-in an app writes when the kit's auth is its only user source (docs/auth.md, "Typed
// requests"). The kit itself declares `Express.User` empty, like @types/passport.
import type { User as KitUser } from '../../lib/auth/user.js';

declare global {
  namespace Express {
    interface User extends KitUser {}
  }
}
