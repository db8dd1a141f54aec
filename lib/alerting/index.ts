// express-platform-kit/alerting: filled in by its issue.
export {};
