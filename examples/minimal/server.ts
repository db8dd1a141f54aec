/**
 * `npm start`: runs examples/minimal on 127.0.0.1:$PORT (default 8080) and prints a
 * development token with the curl line that calls the protected /me route.
 *
 * Without JWT_VERIFY_KEY a random HS256 secret is generated for this process only: tokens die
 * with it, and nothing here is fit for production (set JWT_VERIFY_KEY there).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { gracefulShutdown } from 'express-platform-kit';
import { createJwtVerifier } from 'express-platform-kit/auth';
import { configureLogging } from 'express-platform-kit/logging';
import { createMinimalApp } from './app.js';

configureLogging();
const secret = process.env.JWT_VERIFY_KEY?.trim() || randomBytes(48).toString('base64url');
const verifier = createJwtVerifier({ verifyKey: secret, algorithm: 'HS256', audience: 'authenticated' });
const app = createMinimalApp(verifier);

const token = await new SignJWT({ email: 'dev@example.com', role: 'authenticated', user_metadata: { name: 'Dev User' } })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('00000000-0000-4000-8000-000000000001')
  .setAudience('authenticated')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(secret));

const port = Number(process.env.PORT ?? 8080);
const server = app.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as AddressInfo;
  process.stdout.write(
    `\nexamples/minimal listening on http://127.0.0.1:${bound}\n` +
      `development token (valid 1 hour${process.env.JWT_VERIFY_KEY ? '' : ', signed with a random per-process secret'}):\n${token}\n\n` +
      `curl -s -H "Authorization: Bearer ${token}" http://127.0.0.1:${bound}/me\n\n`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    const { drained } = await gracefulShutdown(server, { timeoutMs: 5000 });
    process.exit(drained ? 0 : 1);
  });
}
