// CLI fixture: exports nothing the CLI can document.
export const answer = 42;
