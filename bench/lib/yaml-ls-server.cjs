// Starts yaml-language-server exactly as its own bin script does, optionally with a different validation
// debounce. Stock yaml-language-server waits a fixed 200 ms (SettingsState.validationDelayMs, not a setting)
// after every open or change before it validates; the benchmark removes that wait by default so it compares the
// servers' work rather than a timer. YAML_LS_VALIDATION_DELAY_MS=200 restores the stock behaviour.
'use strict';
const path = require('node:path');

const root = path.dirname(require.resolve('yaml-language-server/package.json'));
const delay = process.env.YAML_LS_VALIDATION_DELAY_MS;
if (delay !== undefined && delay !== '') {
  const settings = require(path.join(root, 'out/server/src/yamlSettings.js'));
  const Stock = settings.SettingsState;
  settings.SettingsState = class extends Stock {
    constructor() {
      super();
      this.validationDelayMs = Number(delay);
    }
  };
}
process.env.YAML_LANGUAGE_SERVER_VERSION = require(path.join(root, 'package.json')).version;
require(path.join(root, 'out/server/src/server.js'));
