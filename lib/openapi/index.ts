// express-platform-kit/openapi: filled in by its issue.
export {};
