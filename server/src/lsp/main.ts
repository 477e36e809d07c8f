// Entry of the bundled language server. VS Code starts it over IPC; other editors run `wabi lsp --stdio`
// (or this file with `--stdio`). createConnection picks the transport from the process arguments.
import '../threadPool';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
