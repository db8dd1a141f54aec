// express-platform-kit/auth: filled in by its issue.
export {};
