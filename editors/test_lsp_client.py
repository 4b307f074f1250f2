#!/usr/bin/env python3
"""Runs `rubric lsp` under an independent LSP client: pygls' LanguageClient
(PyPI `pygls`, with the `lsprotocol` types), not the project's own test
client, so that the framing, the handshake and the shapes of the answers are
checked against another implementation of the protocol.

Usage: python3 editors/test_lsp_client.py PATH/TO/rubric
Exits 0 when every check passes, 1 with a message otherwise.
"""

import asyncio
import pathlib
import sys
import tempfile

from lsprotocol import types
from pygls.lsp.client import LanguageClient

POLICY = (pathlib.Path(__file__).parent.parent / "tests" / "lsp" / "crm.policy").read_text(
    encoding="utf-8"
)
BROKEN = POLICY.replace("months as dpor", "months as dpro")


def position(text: str, needle: str, nth: int = 0) -> types.Position:
    """The line and UTF-16 column of the nth `needle` in `text`."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    before = text[:offset]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    column = len(text[start:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


async def main(rubric: str) -> None:
    client = LanguageClient("rubric-test-client", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(rubric, "lsp")
    result = await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=None)
    )
    check(result.server_info.name == "rubric", "initialize names the server")
    client.initialized(types.InitializedParams())

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "crm.policy"
        path.write_text(BROKEN, encoding="utf-8")
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="rubric", version=1, text=BROKEN
                )
            )
        )
        first = await asyncio.wait_for(published.get(), 20)
        codes = [d.code for d in first.diagnostics]
        check(codes == ["E0205"], f"a misspelt association is E0205 (got {codes})")
        diagnostic = first.diagnostics[0]
        check(
            diagnostic.range.start == position(BROKEN, "dpro"),
            "its range is in UTF-16 code units after Korean and astral text",
        )

        start = position(BROKEN, "dpro")
        end = types.Position(line=start.line, character=start.character + 4)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=start, end=end), text="dpor"
                    )
                ],
            )
        )
        second = await asyncio.wait_for(published.get(), 20)
        check(len(second.diagnostics) == 0, f"the diagnostics clear once it is fixed ({second})")

        where = types.TextDocumentIdentifier(uri=uri)
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=where, position=position(POLICY, "dpor", 1))
        )
        check(
            hover is not None and "디지털 파트너" in hover.contents.value,
            "hover on a name after Korean text shows its title",
        )
        definition = await client.text_document_definition_async(
            types.DefinitionParams(text_document=where, position=position(POLICY, "dpor", 1))
        )
        check(
            definition[0].range.start == position(POLICY, "dpor", 0),
            "definition goes to the declaration",
        )
        completion = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=where, position=position(POLICY, "functional }")
            )
        )
        labels = [item.label for item in completion]
        check("functional" in labels, f"completion after `passing` offers groups ({labels})")
        edits = await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=where,
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        )
        check(edits is not None and len(edits) == 0, f"a formatted policy needs no formatting edits ({edits})")
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=where)
        )
        check(symbols[0].name == "cloud_crm", "the outline starts at the competency")

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        asyncio.run(main(sys.argv[1]))
    except AssertionError as failure:
        sys.exit(f"failed: {failure}")
    print("rubric lsp works with pygls' client")
