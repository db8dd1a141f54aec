// The `express4` dev dependency is `npm:express@4`; tests use it through Express 5's types.
declare module 'express4' {
  import type { Express } from 'express';
  const express: () => Express;
  export default express;
}
