#!/usr/bin/env python
import os
import sys

# Commands that run long and allocate much freeze what Django loaded before they start
# (config.startup.load_and_freeze). Not the others: runserver's reloader must see a
# broken file as Django reports it, and keep watching.
BULK_COMMANDS = {"import_claims", "import_documents", "import_dna"}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.startup import load_and_freeze, prepare

    prepare()
    if sys.argv[1:2] and sys.argv[1] in BULK_COMMANDS:
        load_and_freeze()
    execute_from_command_line(sys.argv)
