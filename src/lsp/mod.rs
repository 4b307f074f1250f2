//! The language server: `rubric lsp` speaks the Language Server Protocol
//! over stdio, so that an editor shows Rubric's diagnostics, hovers,
//! definitions, completions and formatting as the designer types.
//!
//! It is a thin layer over the library: every keystroke's text goes through
//! the same parse, check and lint as `rubric check` ([`crate::check_parsed`]),
//! formatting through [`crate::format`], and the features that need places
//! read the syntax tree's spans ([`names`] indexes every declared and used
//! name). Columns are counted in UTF-16 code units, as the protocol wants
//! ([`crate::source::LineIndex::utf16_position`]).
//!
//! Built on `lsp-server` and `lsp-types`, rust-analyzer's own crates: a
//! synchronous message loop over crossbeam channels, no async runtime. A
//! policy is one file checked in milliseconds, so requests are answered in
//! order on one thread; an async framework (`tower-lsp-server`,
//! `async-lsp`) would add a runtime and many dependencies for concurrency
//! this server has no use for. [`Server::handle`] turns one incoming
//! message into the messages to send back, so benchmarks and tests drive it
//! without a transport.
//!
//! A diagnostic's code links to its explanation (`rubric explain CODE`),
//! written as Markdown under the system's temporary directory the first
//! time it is linked, so that any editor can open it without a web site.

mod document;
mod features;
mod names;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, RenameOptions, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, notification, request,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::lint::Levels;
use document::Document;

/// Why the server stopped other than by the editor's `shutdown` and `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The editor broke the protocol or closed the connection early.
    #[error("the editor's connection failed: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    /// The answer to `initialize` could not be sent.
    #[error("could not answer the editor: {0}")]
    Send(String),
}

/// What the server tells the editor it can do.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["{".to_owned(), ",".to_owned(), " ".to_owned()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves one editor over `connection` until it says `exit`: the
/// `initialize` handshake, then every message in order.
pub fn serve(connection: &Connection) -> Result<(), ServeError> {
    let initialize = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "rubric".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let initialize =
        serde_json::to_value(initialize).map_err(|e| ServeError::Send(e.to_string()))?;
    // Not `Connection::initialize`: it wraps its argument as the
    // capabilities, and the answer also names the server.
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, initialize)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        if let Message::Request(request) = &message
            && connection.handle_shutdown(request)?
        {
            return Ok(());
        }
        // A bug in one answer must not take the editor's server down: the
        // request gets an error and the next message is served.
        let id = match &message {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        let answers =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.handle(message)))
                .unwrap_or_else(|_| {
                    id.map(|id| {
                        Message::Response(Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "rubric failed to answer this request".to_owned(),
                        ))
                    })
                    .into_iter()
                    .collect()
                });
        for answer in answers {
            connection
                .sender
                .send(answer)
                .map_err(|e| ServeError::Send(e.to_string()))?;
        }
    }
    Ok(())
}

/// The state of a session: the open documents and what they link to.
#[derive(Debug, Default)]
pub struct Server {
    /// Open documents by URI.
    documents: HashMap<String, Document>,
    /// Lint levels by the `rubric.toml` they come from.
    configs: HashMap<PathBuf, Levels>,
    /// Codes whose explanation has been written out for linking.
    explained: HashSet<String>,
}

/// A request's failure, sent back as its error.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl Server {
    /// A server with no open documents.
    pub fn new() -> Self {
        Server::default()
    }

    /// Handles one message from the editor (after `initialize`), returning
    /// the messages to send back: the response to a request, and the
    /// diagnostics of a document that was opened or changed.
    pub fn handle(&mut self, message: Message) -> Vec<Message> {
        match message {
            Message::Request(request) => vec![Message::Response(self.request(request))],
            Message::Notification(notification) => self.notification(notification),
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            request::HoverRequest::METHOD => {
                self.answer(req, |s, p: lsp_types::HoverParams| s.hover(p))
            }
            request::GotoDefinition::METHOD => {
                self.answer(req, |s, p: lsp_types::GotoDefinitionParams| s.definition(p))
            }
            request::References::METHOD => {
                self.answer(req, |s, p: lsp_types::ReferenceParams| s.references(p))
            }
            request::Completion::METHOD => {
                self.answer(req, |s, p: lsp_types::CompletionParams| s.completion(p))
            }
            request::Formatting::METHOD => self
                .answer(req, |s, p: lsp_types::DocumentFormattingParams| {
                    s.formatting(p)
                }),
            request::PrepareRenameRequest::METHOD => self
                .answer(req, |s, p: lsp_types::TextDocumentPositionParams| {
                    s.prepare_rename(p)
                }),
            request::Rename::METHOD => {
                self.answer(req, |s, p: lsp_types::RenameParams| s.rename(p))
            }
            request::CodeActionRequest::METHOD => {
                self.answer(req, |s, p: lsp_types::CodeActionParams| s.code_actions(p))
            }
            request::DocumentSymbolRequest::METHOD => self
                .answer(req, |s, p: lsp_types::DocumentSymbolParams| {
                    s.document_symbols(p)
                }),
            _ => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("rubric does not answer `{}`", req.method),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(failure) => Response::new_err(id, failure.code as i32, failure.message),
        }
    }

    /// Reads a request's parameters, answers it with `f`, and writes the
    /// answer as JSON.
    fn answer<P: DeserializeOwned, R: Serialize>(
        &mut self,
        req: Request,
        f: impl FnOnce(&mut Self, P) -> Result<R, Failure>,
    ) -> Result<serde_json::Value, Failure> {
        let params = serde_json::from_value(req.params)
            .map_err(|e| Failure::new(ErrorCode::InvalidParams, e.to_string()))?;
        let result = f(self, params)?;
        serde_json::to_value(result)
            .map_err(|e| Failure::new(ErrorCode::InternalError, e.to_string()))
    }

    fn notification(&mut self, note: Notification) -> Vec<Message> {
        fn params<P: DeserializeOwned>(note: Notification) -> Option<P> {
            serde_json::from_value(note.params).ok()
        }
        match note.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(note) else {
                    return Vec::new();
                };
                let doc = p.text_document;
                let levels = self.levels(&doc.uri);
                let key = doc.uri.as_str().to_owned();
                self.documents.insert(
                    key.clone(),
                    Document::new(doc.uri, doc.version, doc.text, levels),
                );
                self.publish(&key)
            }
            notification::DidChangeTextDocument::METHOD => {
                let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(note) else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_owned();
                let Some(doc) = self.documents.get_mut(&key) else {
                    return Vec::new();
                };
                doc.change(p.text_document.version, p.content_changes);
                self.publish(&key)
            }
            notification::DidSaveTextDocument::METHOD => {
                // The project's `rubric.toml` may have changed meanwhile.
                let Some(p) = params::<lsp_types::DidSaveTextDocumentParams>(note) else {
                    return Vec::new();
                };
                self.configs.clear();
                let levels = self.levels(&p.text_document.uri);
                let key = p.text_document.uri.as_str().to_owned();
                match self.documents.get_mut(&key) {
                    Some(doc) => doc.levels = levels,
                    None => return Vec::new(),
                }
                self.publish(&key)
            }
            notification::DidCloseTextDocument::METHOD => {
                let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(note) else {
                    return Vec::new();
                };
                self.documents.remove(p.text_document.uri.as_str());
                // A closed file's problems leave the editor's problem list.
                vec![publish(p.text_document.uri, Vec::new(), None)]
            }
            _ => Vec::new(),
        }
    }

    /// The diagnostics notification of an open document.
    fn publish(&mut self, key: &str) -> Vec<Message> {
        let Server {
            documents,
            explained,
            ..
        } = self;
        let Some(doc) = documents.get(key) else {
            return Vec::new();
        };
        let diagnostics = doc.diagnostics(&mut |code| explanation_link(code, explained));
        vec![publish(doc.uri.clone(), diagnostics, Some(doc.version))]
    }

    /// The lint levels for a policy at `uri`: from the nearest
    /// `rubric.toml` in its directory or a parent, as `rubric check` finds
    /// them; the defaults when there is none or it is invalid (`rubric
    /// check` reports an invalid one).
    fn levels(&mut self, uri: &Uri) -> Levels {
        let Some(dir) = file_path(uri).and_then(|p| p.parent().map(Path::to_path_buf)) else {
            return Levels::default();
        };
        let Some(config) = dir
            .ancestors()
            .map(|d| d.join("rubric.toml"))
            .find(|p| p.is_file())
        else {
            return Levels::default();
        };
        self.configs
            .entry(config.clone())
            .or_insert_with(|| {
                std::fs::read_to_string(&config)
                    .ok()
                    .and_then(|text| Levels::from_config(&text).ok())
                    .unwrap_or_default()
            })
            .clone()
    }

    fn document(&self, uri: &Uri) -> Result<&Document, Failure> {
        self.documents.get(uri.as_str()).ok_or_else(|| {
            Failure::new(
                ErrorCode::InvalidParams,
                format!("`{}` is not open", uri.as_str()),
            )
        })
    }
}

fn publish(uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) -> Message {
    Message::Notification(Notification::new(
        notification::PublishDiagnostics::METHOD.to_owned(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    ))
}

/// The local path of a `file:` URI.
fn file_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(decoded.as_ref()))
}

/// The `file:` URI of a local path.
fn file_uri(path: &Path) -> Option<Uri> {
    /// What a URI path must escape: controls, space and the delimiters.
    const PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    let path = path.to_str()?;
    let encoded = percent_encoding::utf8_percent_encode(path, PATH).to_string();
    let uri = if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    };
    uri.parse().ok()
}

/// Where explanations are written for linking.
pub fn explanation_dir() -> PathBuf {
    std::env::temp_dir().join(format!("rubric-{}-explain", env!("CARGO_PKG_VERSION")))
}

/// The link to `code`'s explanation, written out the first time it is
/// linked; `None` for a code with no explanation or when it cannot be
/// written.
fn explanation_link(code: &str, written: &mut HashSet<String>) -> Option<Uri> {
    let explanation = crate::explain::explain(code)?;
    let path = explanation_dir().join(format!("{}.md", explanation.code));
    if !written.contains(explanation.code) {
        // Written aside and renamed into place: another editor's server may
        // be reading or writing the same page.
        std::fs::create_dir_all(explanation_dir()).ok()?;
        let aside =
            explanation_dir().join(format!(".{}.{}.md", explanation.code, std::process::id()));
        std::fs::write(&aside, features::explanation_markdown(explanation)).ok()?;
        std::fs::rename(&aside, &path).ok()?;
        written.insert(explanation.code.to_owned());
    }
    file_uri(&path)
}
