"""The language server (`petrograd lsp`): `check`'s diagnostics as you type, completion,
hover and go-to-definition in story files.

`index.py` is the pure part (what stands at a place in a file, worked out from its text
and the loaded Story); `server.py` wires it to pygls, which only it imports.
"""
