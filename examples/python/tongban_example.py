#!/usr/bin/python3
"""Register a document on a Tongban node from Python, signing with an official's key held here.

prepare -> check the bytes -> sign -> submit -> wait until final -> fetch the report.
Needs only Debian's python3 with python3-cryptography and python3-cbor2.

  /usr/bin/python3 tongban_example.py --node http://127.0.0.1:8101 --key li.na.key \
      --network <64-hex network id> --member bj-haidian --doc permit.pdf [--type permit]

--network and --member are what you trust (your consortium's network id, the member
whose node you write to); the node's answer is checked against them, never the reverse.
A secured node's API token (write scope) is taken from env TONGBAN_TOKEN.
Prints the document's report (JSON) on stdout; exits 1 on any error, naming it on stderr.
"""

import argparse
import base64
import hashlib
import json
import os
import stat
import sys
import time
import urllib.error
import urllib.request

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# The actor signs this prefix followed by SHA-256 of the request bytes (PROTOCOL.md 5.3).
SIGN_PREFIX = b"tongban/v1/request\x00"
# How far the request time the node chose may be from our clock (PROTOCOL.md 9).
MAX_SKEW_MS = 5 * 60 * 1000


class ExampleError(Exception):
    pass


def read_key_file(path):
    """The CLI's actor key file: JSON {type, kind, id, seed, pub}, mode 0600."""
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ExampleError(f"key file {path} is readable by others (chmod 600 it)")
    with open(path, encoding="utf-8") as f:
        k = json.load(f)
    if k.get("type") != "tongban-key/v1" or k.get("kind") != "actor" or not k.get("id"):
        raise ExampleError(f"{path} is not an actor key file of the tongban CLI")
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(k["seed"]))
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if k.get("pub") and k["pub"] != pub.hex():
        raise ExampleError(f"key file {path}: pub does not match seed")
    return k["id"], key


def call(method, url, body=None):
    """JSON over HTTP; a node's refusal becomes an ExampleError naming its code (and field)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"} if data else {}
    if os.environ.get("TONGBAN_TOKEN"):  # a secured node: an API token with the write scope (tongban token create)
        headers["authorization"] = "Bearer " + os.environ["TONGBAN_TOKEN"]
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=90) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        err = json.loads(e.read() or b"{}")
        field = f" (field {err['field']})" if err.get("field") else ""
        raise ExampleError(f"{method} {url}: {e.code} {err.get('code')}: {err.get('message')}{field}") from None


def check_prepared(answer, want):
    """Decode the prepared bytes and compare every field with what we asked; recompute what to sign."""
    raw = base64.b64decode(answer["request"], validate=True)
    req = cbor2.loads(raw)
    # Canonical: re-encoding gives the same bytes (no extra fields, no other spellings of the same values).
    if cbor2.dumps(req, canonical=True) != raw:
        raise ExampleError("prepared request is not canonical CBOR")
    if set(req) - {"v", "net", "author", "kind", "body", "refs", "nonce", "at"}:
        raise ExampleError(f"prepared request has unknown fields {sorted(set(req))}")
    checks = [
        ("v", req.get("v") == 1),
        ("net", req.get("net") == want["net"]),
        ("author", req.get("author") == want["author"]),
        ("kind", req.get("kind") == want["kind"]),
        ("body", req.get("body") == want["body"]),
        ("refs", req.get("refs") == want.get("refs")),
        ("nonce", isinstance(req.get("nonce"), bytes) and len(req["nonce"]) == 16),
        ("at", isinstance(req.get("at"), int) and abs(req["at"] - int(time.time() * 1000)) <= MAX_SKEW_MS),
    ]
    for field, ok in checks:
        if not ok:
            raise ExampleError(f"prepared request {field} is not what was asked for: not signing it")
    digest = hashlib.sha256(raw).digest()
    if answer["digest"] != digest.hex():
        raise ExampleError("prepared digest is not the SHA-256 of the request bytes: not signing it")
    return raw, SIGN_PREFIX + digest


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--node", required=True, help="node API URL, e.g. http://127.0.0.1:8101")
    p.add_argument("--key", required=True, help="the official's actor key file (tongban operator add --out)")
    p.add_argument("--network", required=True, help="the consortium's network id (64 hex), as you know it")
    p.add_argument("--member", required=True, help="the member whose node this is, e.g. bj-haidian")
    p.add_argument("--doc", required=True, help="the file to register (only its SHA-256 leaves this machine)")
    p.add_argument("--type", default="permit", help="document type (default permit)")
    p.add_argument("--wait-ms", type=int, default=60000, help="how long to wait for finality (default 60000)")
    a = p.parse_args()
    node = a.node.rstrip("/")

    actor_id, key = read_key_file(a.key)
    with open(a.doc, "rb") as f:
        doc = hashlib.sha256(f.read()).digest()
    body = {"doc": doc, "type": a.type, "class": "internal"}
    want = {"net": bytes.fromhex(a.network), "author": a.member, "kind": "doc.register", "body": body}

    # 1. prepare: JSON in (byte fields as hex), canonical request bytes out
    _, answer = call("POST", f"{node}/v1/requests/prepare", {"kind": "doc.register", "body": {**body, "doc": doc.hex()}, "actor": actor_id})
    # 2. check the bytes before signing them
    raw, message = check_prepared(answer, want)
    # 3. sign with the key held here (an HSM would sign `message` the same way: Ed25519, the message as is)
    sig = key.sign(message)
    # 4. submit, letting the node answer once the record is final (202 if the wait ran out: it is stored)
    status, created = call("POST", f"{node}/v1/records?wait=final&timeoutMs={a.wait_ms}", {"request": base64.b64encode(raw).decode(), "actor": actor_id, "sig": base64.b64encode(sig).decode()})
    deadline = time.time() + a.wait_ms / 1000
    while created.get("state") != "final":
        if time.time() > deadline:
            raise ExampleError(f"record {created['id']} is {created.get('state')}, not final yet (it is stored)")
        time.sleep(0.5)
        _, created = call("GET", f"{node}/v1/records/{created['id']}")
    print(f"record {created['id']} is final", file=sys.stderr)
    # 5. the document's report, as the node verified it
    _, report = call("GET", f"{node}/v1/docs/{doc.hex()}")
    print(json.dumps({"record": created["id"], "doc": doc.hex(), "report": report}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except (ExampleError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
