// express-platform-kit/api-key: filled in by its issue.
export {};
