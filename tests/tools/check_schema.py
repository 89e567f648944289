#!/usr/bin/python3
"""Validates JSON files against schema/project.schema.json (JSON Schema 2020-12) with Debian's
python3-jsonschema. Prints one line per file: `ok <file>` or `bad <file>: <first error>`."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except Exception as e:  # not JSON at all: the schema cannot accept it either
        print(f"bad {path}: not JSON ({e})")
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    print(f"ok {path}" if not errors else f"bad {path}: {'/'.join(map(str, errors[0].path))}: {errors[0].message}")
