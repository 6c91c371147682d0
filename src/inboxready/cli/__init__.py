"""The command-line shell: parse options, call the library, render. Nothing else lives here."""
