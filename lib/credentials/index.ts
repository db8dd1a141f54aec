// express-platform-kit/credentials: filled in by its issue.
export {};
