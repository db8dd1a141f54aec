// express-platform-kit/sync: filled in by its issue.
export {};
