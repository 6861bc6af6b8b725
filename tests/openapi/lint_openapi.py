#!/usr/bin/python3
"""Lints the OpenAPI 3.1 description of vaultd's API (docs/openapi.json).

Usage: lint_openapi.py SPEC

Checks, and reports every problem found (exit status 1), or prints a one-line
summary (exit status 0):

  (a) SPEC against the official OpenAPI 3.1 schema for documents, vendored
      next to this script as oas-3.1-schema.json (see README.md);
  (b) every schema in SPEC (components/schemas, parameter, request and
      response schemas) is itself a valid JSON Schema Draft 2020-12 schema;
  (c) the project's rules: every operation has a unique operationId, a
      summary, x-roles (role names as RolesFor in vault/server/router.cc gives
      them), at least one 2xx and one 4xx response; every 4xx/5xx JSON
      response uses the shared Error schema; every $ref resolves; every path
      template parameter is declared as a path parameter and vice versa; no
      component is unused.

Needs Debian's python3-jsonschema (4.10); run with /usr/bin/python3.
"""
import json
import os
import re
import sys

import jsonschema
from jsonschema import Draft202012Validator

HERE = os.path.dirname(os.path.abspath(__file__))
OAS_SCHEMA = os.path.join(HERE, "oas-3.1-schema.json")
ROLES = {"writer", "agent", "officer", "auditor", "admin", "dpo", "analyst"}
METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
ERROR_REF = "#/components/schemas/Error"


def pointer_get(doc, ref):
    """The value `ref` ("#/a/b") points at in `doc`, or raises KeyError."""
    if not ref.startswith("#"):
        raise KeyError("not a local reference")
    node = doc
    fragment = ref[1:]
    if fragment == "":
        return node
    if not fragment.startswith("/"):
        raise KeyError("not a JSON pointer")
    for part in fragment[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(part)
    return node


def walk(node, path=""):
    """Every (json-pointer, dict) in `node`."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, path + "/" + str(k).replace("~", "~0").replace("/", "~1"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + "/" + str(i))


def deref(doc, node):
    """`node`, or what its $ref points at (one level of Reference Object)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        try:
            node = pointer_get(doc, node["$ref"])
        except (KeyError, ValueError, IndexError):
            return None
        seen += 1
    return node


def check_oas_schema(spec, problems):
    with open(OAS_SCHEMA, encoding="utf-8") as f:
        oas = json.load(f)
    try:
        validator = Draft202012Validator(oas)
        errors = sorted(validator.iter_errors(spec), key=lambda e: list(e.absolute_path))
    except (jsonschema.exceptions.RefResolutionError, Exception) as e:  # noqa: BLE001
        problems.append("(a) the OpenAPI 3.1 schema could not be applied: %s: %s" % (type(e).__name__, e))
        return
    # An error deep in the document also makes every object above it fail
    # "unevaluatedProperties" (the property that failed counts as not
    # evaluated): report those only where nothing deeper explains them.
    paths = [tuple(e.absolute_path) for e in errors]
    for e, path in zip(errors, paths):
        if e.validator == "unevaluatedProperties" and any(
                len(other) > len(path) and other[:len(path)] == path for other in paths):
            continue
        where = "/" + "/".join(str(p) for p in path)
        problems.append("(a) OpenAPI 3.1 schema: at %s: %s" % (where, e.message))


def schema_locations(spec):
    """(pointer, schema) of every schema object in the document."""
    out = []
    comps = spec.get("components", {})
    for name, s in comps.get("schemas", {}).items():
        out.append(("/components/schemas/" + name, s))
    for ptr, node in walk(spec.get("paths", {}), "/paths"):
        # Parameter objects and media type objects carry a "schema".
        if "schema" in node and isinstance(node["schema"], (dict, bool)):
            if "in" in node or ptr.split("/")[-2] == "content" or "/content/" in ptr:
                out.append((ptr + "/schema", node["schema"]))
    for kind in ("parameters", "headers", "responses", "requestBodies"):
        for name, c in comps.get(kind, {}).items():
            for ptr, node in walk(c, "/components/%s/%s" % (kind, name)):
                if "schema" in node and isinstance(node["schema"], (dict, bool)):
                    out.append((ptr + "/schema", node["schema"]))
    return out


def check_schemas(spec, problems):
    count = 0
    for ptr, schema in schema_locations(spec):
        count += 1
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            where = "/".join(str(p) for p in e.absolute_path)
            problems.append("(b) %s is not a valid Draft 2020-12 schema (at %s): %s" % (ptr, where or ".", e.message))
    return count


def operations(spec):
    for path, item in spec.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if method in item and isinstance(item[method], dict):
                yield path, method, item, item[method]


def check_refs(spec, problems):
    refs = 0
    for ptr, node in walk(spec):
        if "$ref" in node and isinstance(node["$ref"], str):
            refs += 1
            try:
                pointer_get(spec, node["$ref"])
            except (KeyError, ValueError, IndexError):
                problems.append("(c) %s: $ref %r does not resolve" % (ptr or "/", node["$ref"]))
    return refs


def check_unused(spec, problems):
    comps = spec.get("components", {})
    defined = set()
    for kind, entries in comps.items():
        if isinstance(entries, dict) and kind != "securitySchemes":
            for name in entries:
                defined.add("#/components/%s/%s" % (kind, name))
    # Components reachable from everything outside components, transitively.
    outside = {k: v for k, v in spec.items() if k != "components"}
    todo = [node["$ref"] for _, node in walk(outside) if isinstance(node.get("$ref"), str)]
    used = set()
    while todo:
        ref = todo.pop()
        m = re.match(r"^(#/components/[^/]+/[^/]+)", ref)
        if not m or m.group(1) in used:
            continue
        used.add(m.group(1))
        try:
            target = pointer_get(spec, m.group(1))
        except (KeyError, ValueError, IndexError):
            continue
        todo.extend(node["$ref"] for _, node in walk(target) if isinstance(node.get("$ref"), str))
    for name in sorted(defined - used):
        problems.append("(c) component %s is never used" % name)


def is_error_schema(spec, schema):
    if not isinstance(schema, dict):
        return False
    if schema.get("$ref") == ERROR_REF:
        return True
    # allOf [Error, {...narrowing...}] also counts.
    return any(isinstance(s, dict) and s.get("$ref") == ERROR_REF for s in schema.get("allOf", []))


def check_operations(spec, problems):
    ids = {}
    n = 0
    for path, method, item, op in operations(spec):
        n += 1
        where = "%s %s" % (method.upper(), path)
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            problems.append("(c) %s has no operationId" % where)
        elif op_id in ids:
            problems.append("(c) %s: operationId %r is also %s's" % (where, op_id, ids[op_id]))
        else:
            ids[op_id] = where
            if not re.match(r"^[a-z][A-Za-z0-9]*$", op_id):
                problems.append("(c) %s: operationId %r is not camelCase" % (where, op_id))
        if not isinstance(op.get("summary"), str) or not op["summary"].strip():
            problems.append("(c) %s has no summary" % where)
        roles = op.get("x-roles")
        if not isinstance(roles, list) or not roles:
            problems.append("(c) %s has no x-roles" % where)
        else:
            for r in roles:
                if r not in ROLES:
                    problems.append("(c) %s: x-roles names an unknown role %r" % (where, r))
            if len(set(roles)) != len(roles):
                problems.append("(c) %s: x-roles repeats a role" % where)
        responses = op.get("responses", {})
        codes = [str(c) for c in responses]
        if not any(c.startswith("2") for c in codes):
            problems.append("(c) %s has no 2xx response" % where)
        if not any(c.startswith("4") for c in codes):
            problems.append("(c) %s has no 4xx response" % where)
        for code, resp in responses.items():
            code = str(code)
            if not (code.startswith("4") or code.startswith("5") or code == "default"):
                continue
            real = deref(spec, resp)
            if real is None:
                continue  # reported as an unresolved $ref
            content = real.get("content", {})
            if not content:
                problems.append("(c) %s: response %s has no content (every error is a JSON Error body)" % (where, code))
            for media, mt in content.items():
                if media.split(";")[0].strip().lower() != "application/json":
                    problems.append("(c) %s: response %s is %s, not JSON (every error is a JSON Error body)"
                                    % (where, code, media))
                elif not is_error_schema(spec, mt.get("schema")):
                    problems.append("(c) %s: response %s does not use %s" % (where, code, ERROR_REF))
        # Path template parameters <-> declared path parameters.
        template = set(re.findall(r"\{([^}/]+)\}", path))
        declared = {}
        for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
            real = deref(spec, p)
            if isinstance(real, dict) and real.get("in") == "path":
                declared[real.get("name")] = real
        for name in sorted(template - set(declared)):
            problems.append("(c) %s: path parameter {%s} is not declared" % (where, name))
        for name in sorted(set(declared) - template):
            problems.append("(c) %s: declares path parameter %r that the path does not have" % (where, name))
        for name, p in declared.items():
            if p.get("required") is not True:
                problems.append("(c) %s: path parameter %r is not required: true" % (where, name))
    return n


def main(argv):
    if len(argv) != 2:
        print("usage: lint_openapi.py SPEC", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        print("FAILED: %s: %s" % (argv[1], e))
        return 1
    problems = []
    if not isinstance(spec, dict):
        print("FAILED: %s is not a JSON object" % argv[1])
        return 1
    check_oas_schema(spec, problems)
    n_schemas = check_schemas(spec, problems)
    n_refs = check_refs(spec, problems)
    n_ops = check_operations(spec, problems)
    check_unused(spec, problems)
    if problems:
        print("FAILED: %d problem(s) in %s" % (len(problems), argv[1]))
        for p in problems:
            print("  " + p)
        return 1
    print("OK: %s: OpenAPI %s, %d paths, %d operations, %d components/schemas, %d schemas checked, %d $refs resolved"
          % (argv[1], spec.get("openapi"), len(spec.get("paths", {})), n_ops,
             len(spec.get("components", {}).get("schemas", {})), n_schemas, n_refs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
