// CLI fixture: fails while loading.
throw new Error('fixture failed to load');
