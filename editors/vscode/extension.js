// The Rubric extension: colours `.policy` files (syntaxes/) and starts
// `rubric lsp`, the language server, for diagnostics, hover, definition,
// references, completion, formatting, rename, quick fixes and the outline.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("rubric");
  const command = config.get("server.path") || "rubric";
  const args = [...(config.get("server.extraArgs") || []), "lsp"];
  const server = { command, args };
  client = new LanguageClient(
    "rubric",
    "Rubric",
    { run: server, debug: server },
    {
      documentSelector: [{ language: "rubric" }],
      synchronize: {
        // Lint levels come from the nearest rubric.toml.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/rubric.toml"),
      },
    }
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("rubric.server")) {
        vscode.window.showInformationMessage(
          "Rubric: reload the window to restart the language server with the new settings."
        );
      }
    })
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
