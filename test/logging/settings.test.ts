import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { isKitError } from '../../lib/errors/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { loadLoggingSettings } from '../../lib/logging/index.js';

describe('logging settings', () => {
  it('defaults to INFO, structured, no files, no cloud, ./logs, 10 MB × 3', () => {
    const settings = loadLoggingSettings({});
    assert.equal(settings.levelName, 'INFO');
    assert.equal(settings.level, 'info');
    assert.equal(settings.format, 'structured');
    assert.equal(settings.enableFileLogging, false);
    assert.equal(settings.enableCloudLogging, false);
    assert.equal(settings.logDir, resolve('logs'));
    assert.equal(settings.fileMaxBytes, 10 * 1024 * 1024);
    assert.equal(settings.fileMaxFiles, 3);
    assert.equal(settings.color, undefined);
  });

  it('maps the reference level names (any case) onto winston levels', () => {
    const cases: [string, string][] = [
      ['debug', 'debug'],
      ['Info', 'info'],
      ['WARNING', 'warning'],
      ['error', 'error'],
      [' critical ', 'critical'],
    ];
    for (const [value, level] of cases) assert.equal(loadLoggingSettings({ LOG_LEVEL: value }).level, level);
  });

  it('uses JSON by default when cloud logging is on, and honours an explicit LOG_FORMAT', () => {
    assert.equal(loadLoggingSettings({ ENABLE_CLOUD_LOGGING: 'true' }).format, 'json');
    assert.equal(loadLoggingSettings({ ENABLE_CLOUD_LOGGING: 'true', LOG_FORMAT: 'Simple' }).format, 'simple');
    assert.equal(loadLoggingSettings({ LOG_FORMAT: 'json' }).format, 'json');
  });

  it('reads files, cloud mode, colors, limits and LOG_DIR', () => {
    const settings = loadLoggingSettings({
      ENABLE_FILE_LOGGING: 'yes',
      ENABLE_CLOUD_LOGGING: '1',
      CLOUD_LOGGING_MODE: 'API',
      LOG_DIR: '/tmp/x-logs',
      LOG_COLOR: 'false',
      LOG_FILE_MAX_BYTES: '1048576',
      LOG_FILE_MAX_FILES: '5',
    });
    assert.equal(settings.enableFileLogging, true);
    assert.equal(settings.enableCloudLogging, true);
    assert.equal(settings.cloudMode, 'api');
    assert.equal(settings.logDir, '/tmp/x-logs');
    assert.equal(settings.color, false);
    assert.equal(settings.fileMaxBytes, 1048576);
    assert.equal(settings.fileMaxFiles, 5);
    assert.equal(loadLoggingSettings({ LOG_COLOR: 'auto' }).color, undefined);
    assert.equal(loadLoggingSettings({ LOG_COLOR: 'on' }).color, true);
  });

  it('fails at startup with one ConfigError naming every bad variable', () => {
    assert.throws(
      () =>
        loadLoggingSettings({
          LOG_LEVEL: 'verbose',
          LOG_FORMAT: 'xml',
          ENABLE_FILE_LOGGING: 'maybe',
          LOG_COLOR: 'purple',
          LOG_FILE_MAX_BYTES: '12',
          LOG_FILE_MAX_FILES: '-1',
          CLOUD_LOGGING_MODE: 'pubsub',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError && isKitError(error));
        assert.equal(error.code, 'ERR_CONFIG_INVALID');
        const variables = error.issues.map((issue) => issue.variable).sort();
        assert.deepEqual(variables, ['CLOUD_LOGGING_MODE', 'ENABLE_FILE_LOGGING', 'LOG_COLOR', 'LOG_FILE_MAX_BYTES', 'LOG_FILE_MAX_FILES', 'LOG_FORMAT', 'LOG_LEVEL']);
        assert.match(error.message, /LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL/);
        return true;
      },
    );
  });
});
