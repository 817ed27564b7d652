#!/usr/bin/env python3
"""server.json for the MCP Registry: check it, and add the MCP Bundles of a release.

    python3 scripts/server-json.py check [FILE]
        Checks FILE (default server.json) against the fields the registry documents for schema 2025-12-11
        (server name, description length, version, per-registryType package fields, arguments, environment
        variables) and against this repository: the same version as Cargo.toml, manifest.json and pyproject's
        package name, the same server name as the Dockerfile label and the README's `mcp-name:` line.

    python3 scripts/server-json.py add-mcpb --url-base URL [--in FILE] [--out FILE] BUNDLE.mcpb...
        Writes server.json with one `mcpb` package per bundle (identifier URL/<file name>, its SHA-256), replacing
        any mcpb packages already there, then checks the result. The release runs this on the bundles it uploads.

Prints one line per problem and exits 1 if there is any; prints "server.json: ok ..." otherwise.
"""

import argparse
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

SERVER_KEYS = {"$schema", "name", "title", "description", "version", "repository", "websiteUrl", "icons",
               "packages", "remotes", "_meta"}
PACKAGE_KEYS = {"registryType", "registryBaseUrl", "identifier", "version", "fileSha256", "runtimeHint",
                "transport", "runtimeArguments", "packageArguments", "environmentVariables"}
INPUT_KEYS = {"description", "isRequired", "format", "value", "isSecret", "default", "placeholder", "choices"}
INPUT_FORMATS = {"string", "number", "boolean", "filepath"}
REGISTRY_TYPES = {"npm", "pypi", "nuget", "oci", "mcpb"}
TRANSPORTS = {"stdio", "streamable-http", "sse"}
NAME_RE = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
SHA256_RE = re.compile(r"^[a-f0-9]{64}$")
RANGE_RE = re.compile(r"^[\^~<>=]|\.x$|\.\*$|\*")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def cargo_version():
    m = re.search(r'^\[package\][^\[]*?^version\s*=\s*"([^"]+)"', read("Cargo.toml"), re.M | re.S)
    return m.group(1) if m else None


def check_input(where, value, problems, allowed_extra=()):
    if not isinstance(value, dict):
        problems.append(f"{where}: must be an object")
        return
    for key in value:
        if key not in INPUT_KEYS and key not in allowed_extra:
            problems.append(f"{where}: unknown field {key!r}")
    if "format" in value and value["format"] not in INPUT_FORMATS:
        problems.append(f"{where}.format: {value['format']!r} is not one of {sorted(INPUT_FORMATS)}")
    for key in ("isRequired", "isSecret"):
        if key in value and not isinstance(value[key], bool):
            problems.append(f"{where}.{key}: must be true or false")
    for key in ("description", "value", "default", "placeholder"):
        if key in value and not isinstance(value[key], str):
            problems.append(f"{where}.{key}: must be a string")
    if "choices" in value and not (isinstance(value["choices"], list)
                                   and all(isinstance(c, str) for c in value["choices"])):
        problems.append(f"{where}.choices: must be a list of strings")


def check_with_variables(where, value, problems, extra):
    check_input(where, value, problems, allowed_extra=set(extra) | {"variables"})
    variables = value.get("variables", {}) if isinstance(value, dict) else {}
    if not isinstance(variables, dict):
        problems.append(f"{where}.variables: must be an object")
        variables = {}
    for name, var in variables.items():
        check_input(f"{where}.variables.{name}", var, problems)
    # `{name}` in a value refers to a variable; an unknown one would reach the command line verbatim.
    for ref in re.findall(r"\{([^{}]+)\}", value.get("value", "") if isinstance(value, dict) else ""):
        if ref not in variables:
            problems.append(f"{where}.value: {{{ref}}} is not in variables")


def check_argument(where, arg, problems):
    if not isinstance(arg, dict):
        problems.append(f"{where}: must be an object")
        return
    kind = arg.get("type")
    if kind == "named":
        if not isinstance(arg.get("name"), str) or not arg["name"]:
            problems.append(f"{where}: a named argument needs name")
        check_with_variables(where, arg, problems, {"type", "name", "isRepeated"})
    elif kind == "positional":
        if "valueHint" not in arg and "value" not in arg:
            problems.append(f"{where}: a positional argument needs valueHint or value")
        check_with_variables(where, arg, problems, {"type", "valueHint", "isRepeated"})
    else:
        problems.append(f"{where}.type: must be 'named' or 'positional', not {kind!r}")
    if "valueHint" in arg and not isinstance(arg["valueHint"], str):
        problems.append(f"{where}.valueHint: must be a string")


def check_package(where, pkg, problems):
    if not isinstance(pkg, dict):
        problems.append(f"{where}: must be an object")
        return
    for key in pkg:
        if key not in PACKAGE_KEYS:
            problems.append(f"{where}: unknown field {key!r}")
    kind = pkg.get("registryType")
    if kind not in REGISTRY_TYPES:
        problems.append(f"{where}.registryType: {kind!r} is not one of {sorted(REGISTRY_TYPES)}")
    ident = pkg.get("identifier")
    if not isinstance(ident, str) or not ident:
        problems.append(f"{where}.identifier: required")
        ident = ""
    version = pkg.get("version")
    if version is not None and (not isinstance(version, str) or not version or version == "latest"
                                or RANGE_RE.search(version) or len(version) > 255):
        problems.append(f"{where}.version: {version!r} must be one exact version")
    if kind in ("npm", "pypi", "nuget") and version is None:
        problems.append(f"{where}.version: required for {kind}")
    if kind == "oci" and not re.search(r"(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$", ident.split("/")[-1]):
        problems.append(f"{where}.identifier: an OCI reference needs a tag or digest: {ident!r}")
    if kind == "mcpb":
        if not ident.startswith("https://"):
            problems.append(f"{where}.identifier: an MCPB package is an https download URL: {ident!r}")
        if not SHA256_RE.match(str(pkg.get("fileSha256", ""))):
            problems.append(f"{where}.fileSha256: required for mcpb, 64 lowercase hex digits")
    elif "fileSha256" in pkg and not SHA256_RE.match(str(pkg["fileSha256"])):
        problems.append(f"{where}.fileSha256: 64 lowercase hex digits")
    transport = pkg.get("transport")
    if not isinstance(transport, dict) or transport.get("type") not in TRANSPORTS:
        problems.append(f"{where}.transport.type: required, one of {sorted(TRANSPORTS)}")
    elif transport["type"] != "stdio" and not isinstance(transport.get("url"), str):
        problems.append(f"{where}.transport.url: required for {transport['type']}")
    if "runtimeArguments" in pkg and "runtimeHint" not in pkg:
        problems.append(f"{where}: runtimeArguments without runtimeHint")
    for key in ("runtimeArguments", "packageArguments"):
        args = pkg.get(key, [])
        if not isinstance(args, list):
            problems.append(f"{where}.{key}: must be a list")
            continue
        for i, arg in enumerate(args):
            check_argument(f"{where}.{key}[{i}]", arg, problems)
    envs = pkg.get("environmentVariables", [])
    if not isinstance(envs, list):
        problems.append(f"{where}.environmentVariables: must be a list")
        envs = []
    for i, env in enumerate(envs):
        w = f"{where}.environmentVariables[{i}]"
        if not isinstance(env, dict) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(env.get("name", ""))):
            problems.append(f"{w}.name: required, an environment variable name")
        check_with_variables(w, env, problems, {"name"})


def check_document(doc):
    """Problems with `doc` as a server.json of schema 2025-12-11 (the registry's documented fields)."""
    problems = []
    if not isinstance(doc, dict):
        return ["the document must be a JSON object"]
    for key in doc:
        if key not in SERVER_KEYS:
            problems.append(f"unknown top-level field {key!r}")
    if doc.get("$schema") != SCHEMA_URL:
        problems.append(f"$schema: expected {SCHEMA_URL}")
    name = doc.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name) or not 3 <= len(name) <= 200:
        problems.append(f"name: {name!r} must be reverse-DNS namespace/name (one slash, 3-200 characters)")
    desc = doc.get("description")
    if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
        problems.append(f"description: required, 1-100 characters (has {len(desc) if isinstance(desc, str) else 0})")
    if "title" in doc and (not isinstance(doc["title"], str) or not 1 <= len(doc["title"]) <= 100):
        problems.append("title: 1-100 characters")
    version = doc.get("version")
    if not isinstance(version, str) or not version or RANGE_RE.search(version) or version == "latest":
        problems.append(f"version: {version!r} must be one exact version")
    repo = doc.get("repository")
    if repo is not None:
        if not isinstance(repo, dict) or not str(repo.get("url", "")).startswith("https://") \
                or not isinstance(repo.get("source"), str):
            problems.append("repository: needs url (https) and source")
        elif repo.get("source") == "github" and isinstance(name, str) and name.startswith("io.github."):
            owner = name[len("io.github."):].split("/")[0]
            if not repo["url"].lower().startswith(f"https://github.com/{owner.lower()}/"):
                problems.append(f"repository.url: not under the namespace's GitHub owner {owner!r}")
    packages = doc.get("packages", [])
    if not isinstance(packages, list) or not packages:
        problems.append("packages: a non-empty list (this is a local server)")
        packages = []
    for i, pkg in enumerate(packages):
        check_package(f"packages[{i}]", pkg, problems)
    return problems


def check_repository(doc):
    """Problems with `doc` against the rest of this repository (versions and names that must agree)."""
    problems = []
    version = cargo_version()
    if doc.get("version") != version:
        problems.append(f"version: {doc.get('version')!r}, but Cargo.toml says {version!r}")
    for i, pkg in enumerate(doc.get("packages", [])):
        kind = pkg.get("registryType")
        if kind == "pypi":
            if pkg.get("identifier") != "mcp-a2a-bridge" or pkg.get("version") != version:
                problems.append(f"packages[{i}]: the PyPI package is mcp-a2a-bridge {version}")
        elif kind == "oci":
            if not pkg.get("identifier", "").endswith(f":{version}"):
                problems.append(f"packages[{i}].identifier: the image tag must be {version}")
        elif kind == "mcpb":
            if f"{version}" not in pkg.get("identifier", ""):
                problems.append(f"packages[{i}].identifier: the bundle URL should name version {version}")
    # The image the docs and the Kubernetes manifest use is the one server.json publishes.
    images = [p.get("identifier", "") for p in doc.get("packages", []) if p.get("registryType") == "oci"]
    if images:
        repo = images[0].rsplit(":", 1)[0]
        for path in ("deploy/kubernetes.yaml", "README.md", "docs/packaging.md"):
            refs = re.findall(re.escape(repo) + r":([\w.-]+)", read(path))
            if path == "deploy/kubernetes.yaml" and not refs:
                problems.append(f"{path}: does not use the image {repo}")
            for tag in refs:
                if tag != version:
                    problems.append(f"{path}: image {repo}:{tag}, but the version is {version}")
    manifest = json.loads(read("manifest.json"))
    if manifest.get("version") != version:
        problems.append(f"manifest.json version {manifest.get('version')!r}, but Cargo.toml says {version!r}")
    if not re.search(r'^name\s*=\s*"mcp-a2a-bridge"', read("pyproject.toml"), re.M):
        problems.append("pyproject.toml: project name is not mcp-a2a-bridge")
    name = doc.get("name", "")
    # Ownership proofs the registry checks: a label on the image, the name in the PyPI description (README).
    if f'io.modelcontextprotocol.server.name="{name}"' not in read("Dockerfile"):
        problems.append(f"Dockerfile: no LABEL io.modelcontextprotocol.server.name=\"{name}\"")
    if f"mcp-name: {name}" not in read("README.md"):
        problems.append(f"README.md: no 'mcp-name: {name}' line (the registry's PyPI ownership check)")
    return problems


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("file", nargs="?", default=os.path.join(ROOT, "server.json"))
    a = sub.add_parser("add-mcpb")
    a.add_argument("--url-base", required=True, help="where the bundles are downloaded from (https://...)")
    a.add_argument("--in", dest="input", default=os.path.join(ROOT, "server.json"))
    a.add_argument("--out", default="-")
    a.add_argument("bundles", nargs="+")
    args = ap.parse_args()

    if args.command == "check":
        with open(args.file, encoding="utf-8") as f:
            doc = json.load(f)
        where = args.file
    else:
        with open(args.input, encoding="utf-8") as f:
            doc = json.load(f)
        version = cargo_version()
        packages = [p for p in doc.get("packages", []) if p.get("registryType") != "mcpb"]
        for bundle in args.bundles:
            packages.append({
                "registryType": "mcpb",
                "identifier": f"{args.url_base.rstrip('/')}/{os.path.basename(bundle)}",
                "version": version,
                "fileSha256": sha256(bundle),
                "transport": {"type": "stdio"},
            })
        doc["packages"] = packages
        where = args.out
    problems = check_document(doc) + check_repository(doc)
    for p in problems:
        print(f"{where}: {p}", file=sys.stderr)
    if problems:
        return 1
    if args.command == "add-mcpb":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(text)
    kinds = ", ".join(p["registryType"] for p in doc["packages"])
    print(f"server.json: ok ({doc['name']} {doc['version']}; packages: {kinds})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
