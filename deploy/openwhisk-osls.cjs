/**
 * serverless-openwhisk 0.18 under osls 4: osls refuses CLI options without a `type`, and the
 * plugin's `config credentials` options have none. This wrapper loads serverless-openwhisk and gives
 * every untyped option `type: 'string'`, changing nothing else.
 */
'use strict';

const OpenWhisk = require('serverless-openwhisk');

function typeOptions(commands) {
  for (const command of Object.values(commands || {})) {
    for (const option of Object.values(command.options || {})) {
      if (option && typeof option === 'object' && !option.type) option.type = 'string';
    }
    typeOptions(command.commands);
  }
}

class OpenWhiskForOsls {
  constructor(serverless, options) {
    const manager = serverless.pluginManager;
    const addPlugin = manager.addPlugin.bind(manager);
    manager.addPlugin = (Plugin) => {
      class Typed extends Plugin {
        constructor(...args) {
          super(...args);
          typeOptions(this.commands);
        }
      }
      Object.defineProperty(Typed, 'name', { value: Plugin.name });
      return addPlugin(Typed);
    };
    try {
      this.delegate = new OpenWhisk(serverless, options);
    } finally {
      manager.addPlugin = addPlugin;
    }
  }
}

module.exports = OpenWhiskForOsls;
