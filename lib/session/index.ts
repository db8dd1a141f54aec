// express-platform-kit/session: filled in by its issue.
export {};
