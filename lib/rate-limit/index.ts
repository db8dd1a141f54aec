// express-platform-kit/rate-limit: filled in by its issue.
export {};
