#!/usr/bin/env python3
"""An independent re-implementation of `varna audit verify` for a SQLite
store, written from docs/storage.md ("The hash chains", "Signed
checkpoints") alone. Auditors can run it without trusting Varna.

usage: audit_verify.py path/to/varna.db [--public-key KEY ...] [--checkpoints PATH ...]

The chains are checked with the Python standard library only. Checking
signed checkpoints (files, or folders of checkpoint-*.txt) also needs the
`cryptography` package for Ed25519 (Debian: python3-cryptography); KEY is
the public key as `varna audit key` prints it (name+keyid+key), or a file
holding it. It also checks what auditors read against the events: each
case's stored snapshot (state, fields, journal) and its journal rows; the
personnummer kept beside the log against each filing's commitment; each
frozen document and attachment against the digest its event names; and
the access log's own chain (and the reads each checkpoint signed), and the
chain of recorded changes to the organisation.
Exit 0 when both chains are intact, the read tables agree and the log
extends every checkpoint, 1 with the first break otherwise, 2 when the checkpoints
cannot be checked.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import sqlite3
import sys

GENESIS = "0" * 64


def timestamp(text):
    """Any stored timestamp form -> YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row, digest=None):
    """Version 1: the payload itself; version 2 (or `digest` given): the
    payload's digest under "payload_digest"."""
    envelope = {
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "case_id": row["case_id"],
        "event_type": row["event_type"],
        "event_version": row["event_version"],
        "occurred_at": timestamp(row["occurred_at"]),
        "recorded_at": timestamp(row["recorded_at"]),
        "sequence": row["sequence"],
    }
    if digest is None:
        envelope["payload"] = json.loads(row["payload"])
    else:
        envelope["payload_digest"] = digest
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()


def read_key(text):
    """name+keyid+base64(0x01 || key) -> (name, keyid bytes, 32 key bytes)."""
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            text = f.read()
    name, key_id, key = text.strip().split("+", 2)
    raw = base64.b64decode(key)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 note key")
    expected_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if bytes.fromhex(key_id) != expected_id:
        raise ValueError("the key id does not match the key")
    return name, expected_id, raw[1:]


def open_checkpoint(path, key):
    """The (size, head hex) a signed note states, after checking its signature."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        sys.exit("cannot check checkpoint signatures: install the 'cryptography' package "
                 "(Debian: python3-cryptography)")
    name, key_id, public = key
    with open(path, encoding="utf-8") as f:
        note = f.read()
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    verifier = Ed25519PublicKey.from_public_bytes(public)
    signed = False
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            return None, f"{path}: a signature line must start with an em dash"
        signer, _, sig = line[2:].rpartition(" ")
        raw = base64.b64decode(sig)
        if signer != name or raw[:4] != key_id or len(raw) != 68:
            continue
        try:
            verifier.verify(raw[4:], body.encode("utf-8"))
        except InvalidSignature:
            return None, f"{path}: the signature does not verify (the checkpoint was changed)"
        signed = True
    if not signed:
        return None, f"{path}: not signed by the key {name}"
    lines = body.splitlines()
    origin, size, head = lines[:3]
    if origin != name:
        return None, f"{path}: a checkpoint of the log {origin}, not {name}"
    access = None
    for extension in lines[3:]:
        if extension.startswith("access "):
            reads, access_head = extension[len("access "):].split(" ", 1)
            access = (int(reads), base64.b64decode(access_head).hex())
    return (int(size), base64.b64decode(head).hex(), access), None


def checkpoint_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for n in sorted(os.listdir(p)):
                if n.startswith("checkpoint-") and n.endswith(".txt"):
                    yield os.path.join(p, n)
        else:
            yield p


def access_hash(prev, row):
    read = {
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "at": timestamp(row["at"]),
        "case_id": row["case_id"],
        "chain_seq": row["chain_seq"],
        "purpose": row["purpose"],
    }
    text = json.dumps(read, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return sha(bytes.fromhex(prev), text)


def check_access_chain(db, signed):
    """The access log's own chain, and the reads and heads the checkpoints
    signed [(reads, head hex)]. The first problem, or None."""
    pending = sorted(a for a in signed if a[0] > 0)
    seq, prev = 0, GENESIS
    for row in db.execute("SELECT * FROM access_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq"):
        if row["chain_seq"] != seq + 1:
            return f"the access log's chain is broken: reads {seq + 1} to {row['chain_seq'] - 1} are missing"
        h = access_hash(prev, row)
        if row["prev_hash"] != prev or row["hash"] != h:
            return f"the access log's chain is broken: read {row['chain_seq']} was changed"
        seq, prev = row["chain_seq"], h
        while pending and pending[0][0] == seq:
            if pending.pop(0)[1] != h:
                return f"the access log was rewritten up to read {seq} (signed checkpoint)"
    head = db.execute("SELECT seq, hash FROM access_head WHERE id = 1").fetchone()
    if (head["seq"], head["hash"]) != (seq, prev):
        return "the access log's chain does not end at its recorded head"
    if pending:
        return f"the access log has {seq} reads; reads {seq + 1} to {pending[0][0]} were deleted (signed checkpoint)"
    return None


def org_hash(prev, row):
    change = {
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "area_id": row["area_id"],
        "at": timestamp(row["at"]),
        "change": row["change"],
        "from_area_id": row["from_area_id"],
        "name": row["name"],
        "seq": row["seq"],
        "subject": row["subject"],
    }
    text = json.dumps(change, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return sha(bytes.fromhex(prev), text)


def check_org_chain(db):
    """The organisation's chain of recorded changes. The first problem, or None."""
    seq, prev = 0, GENESIS
    for row in db.execute("SELECT * FROM org_change ORDER BY seq"):
        if row["seq"] != seq + 1:
            return f"the organisation's chain is broken: changes {seq + 1} to {row['seq'] - 1} are missing"
        h = org_hash(prev, row)
        if row["prev_hash"] != prev or row["hash"] != h:
            return f"the organisation's chain is broken: change {row['seq']} was changed"
        seq, prev = row["seq"], h
    head = db.execute("SELECT seq, hash FROM org_head WHERE id = 1").fetchone()
    if (head["seq"], head["hash"]) != (seq, prev):
        return "the organisation's chain does not end at its recorded head"
    return None


def check_read_tables(db):
    """What auditors read, against the events: each case's stored snapshot
    (state, fields, journal, version) and its journal rows. The first
    difference, or None."""
    cases = {}
    for row in db.execute("SELECT case_id, sequence, event_type, payload FROM event ORDER BY case_id, sequence"):
        c = cases.setdefault(row["case_id"], {"fields": {}, "state": None, "journal": [], "version": 0, "entries": {}})
        body = json.loads(row["payload"])
        c["version"] += 1
        if row["event_type"] == "filed":
            c["fields"].update(body.get("fields", {}))
            c["state"] = body["state"]
        elif row["event_type"] == "transitioned":
            c["fields"].update(body.get("fields", {}))
            c["state"] = body["to"]
        elif row["event_type"] == "journal_entry_added":
            c["journal"].append(body["entry"])
            c["entries"][row["sequence"]] = body["entry"]
        elif row["event_type"] == "content_disposed":
            for name in body["fields"]:
                c["fields"].pop(name, None)
            for entry in c["journal"]:
                entry.update(text="", source="")
                entry["author"]["name"] = ""
                entry.pop("owner", None)
    for row in db.execute("SELECT id, snapshot FROM cases ORDER BY id"):
        c = cases.get(row["id"])
        if c is None:
            return f"case {row['id']}: a case record without events"
        snap = json.loads(row["snapshot"])
        for part, stored, expected in [
            ("state", snap.get("status", {}).get("state"), c["state"]),
            ("fields", snap.get("fields"), c["fields"]),
            ("journal", snap.get("journal"), c["journal"]),
            ("version", snap.get("version"), c["version"]),
        ]:
            if stored != expected:
                return f"case {row['id']}: in the stored case, {part} differs from its events"
    for row in db.execute("SELECT * FROM journal_entry ORDER BY case_id, sequence"):
        entry = cases.get(row["case_id"], {}).get("entries", {}).get(row["sequence"])
        if entry is None:
            return f"case {row['case_id']}: journal row {row['sequence']} has no journal event"
        for column, key in [("topic", "topic"), ("text", "text"), ("source", "source"),
                            ("author_name", None), ("author_title", None)]:
            expected = entry["author"]["name" if column == "author_name" else "title"] if key is None else entry[key]
            if row[column] != expected:
                return f"case {row['case_id']}: journal row {row['sequence']} ({column}) differs from its event"
    return None


def check_persons(db):
    """The personnummer kept beside the log, against the salted commitment
    each filing event carries: sha256(bytes(salt) || digits). The first
    problem and the number of rows from before commitments."""
    unproven = 0
    for row in db.execute("SELECT e.case_id, e.payload, cp.personnummer, cp.salt FROM event e "
                          "LEFT JOIN case_person cp ON cp.case_id = e.case_id WHERE e.sequence = 1 "
                          "ORDER BY e.case_id"):
        committed = json.loads(row["payload"]).get("person")
        digits, salt = row["personnummer"], row["salt"]
        if committed is None and digits is None:
            continue
        if committed is None and salt is None:
            unproven += 1
            continue
        if digits is None:
            return f"case {row['case_id']}: its filing recorded a person but has no personnummer", unproven
        if committed is None or salt is None or \
                "sha256:" + sha(bytes.fromhex(salt), digits.encode("utf-8")) != committed:
            return f"case {row['case_id']}: the personnummer does not match what its filing recorded", unproven
    orphan = db.execute("SELECT case_id FROM case_person cp WHERE NOT EXISTS "
                        "(SELECT 1 FROM event e WHERE e.case_id = cp.case_id)").fetchone()
    if orphan:
        return f"case {orphan['case_id']}: a personnummer for a case without events", unproven
    return None, unproven


def check_documents(db):
    """Each frozen document (the anmälan as sent to IVO) against the digest
    the event that froze it names: "sha256:" + H(content). The first
    problem, or None."""
    named = {}
    # A disposal (gallring) removed the documents and files of its case.
    disposed = {r["case_id"] for r in db.execute(
        "SELECT case_id FROM event WHERE event_type = 'content_disposed'")}
    for row in db.execute("SELECT case_id, sequence, payload FROM event WHERE event_type = 'transitioned'"):
        if row["case_id"] in disposed:
            continue
        for doc, digest in json.loads(row["payload"]).get("documents", {}).items():
            named[(row["case_id"], row["sequence"], doc)] = digest
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'document'").fetchone():
        return None if not named else "frozen documents are named by events but the table is gone"
    for row in db.execute("SELECT case_id, sequence, document_id, digest, content FROM document"):
        committed = named.pop((row["case_id"], row["sequence"], row["document_id"]), None)
        actual = "sha256:" + hashlib.sha256(row["content"]).hexdigest()
        if committed is None or committed != row["digest"] or actual != committed:
            return f"case {row['case_id']}: the frozen document {row['document_id']} does not match its event"
    if named:
        (case, _, doc) = next(iter(named))
        return f"case {case}: the frozen document {doc} named by its event is gone"
    # Attachments: each file against the digest its attachment_added event names.
    files = {}
    for row in db.execute("SELECT case_id, payload FROM event WHERE event_type = 'attachment_added'"):
        if row["case_id"] in disposed:
            continue
        a = json.loads(row["payload"])["attachment"]
        files[(row["case_id"], a["id"])] = a["digest"]
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'attachment'").fetchone():
        for row in db.execute("SELECT case_id, id, digest, content FROM attachment"):
            committed = files.pop((row["case_id"], row["id"]), None)
            actual = "sha256:" + hashlib.sha256(row["content"]).hexdigest()
            if committed is None or committed != row["digest"] or actual != committed:
                return f"case {row['case_id']}: the attachment {row['id']} does not match its event"
    if files:
        (case, file_id) = next(iter(files))
        return f"case {case}: the attachment {file_id} named by its event is gone"
    return None


def main(path, checkpoints=()):
    """Checks the chains and `checkpoints` [(size, head hex)]; the first problem, or None."""
    pending = sorted((c[0], c[1]) for c in checkpoints if c[0] > 0)  # the empty log commits to nothing
    good = 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    last = None
    events = 0
    changed = {}  # this case's events whose payload is not the one written: seq -> (sealed, kept)

    def unrecorded():
        if changed:
            return f"case {last[0]}, event {min(changed)}: content changed and no disposal records it"
        return None

    for row in db.execute("SELECT * FROM event ORDER BY case_id, sequence"):
        case, seq = row["case_id"], row["sequence"]
        if last and last[0] != case and unrecorded():
            return unrecorded()
        if not last or last[0] != case:
            changed = {}
        expected_seq, expected_prev = (last[1] + 1, last[2]) if last and last[0] == case else (1, GENESIS)
        if seq != expected_seq:
            return f"case {case}: event {expected_seq} is missing (found {seq})"
        if row["prev_hash"] != expected_prev:
            return f"case {case}, event {seq}: does not link to the previous event"
        prev = bytes.fromhex(row["prev_hash"])
        kept = "sha256:" + hashlib.sha256(row["payload"].encode("utf-8")).hexdigest()
        written = row["payload_digest"] if "payload_digest" in row.keys() else None
        salt = row["payload_salt"] if "payload_salt" in row.keys() else None
        if row["event_version"] == 1:
            intact = sha(prev, canonical(row)) == row["hash"]
            if intact and written is not None:
                return f"case {case}, event {seq}: a payload digest beside an intact payload"
            if not intact:
                if written is None:
                    return f"case {case}, event {seq}: content does not match its hash"
                # Disposed of: the disposal records its hash over the digest written.
                changed[seq] = (sha(prev, canonical(row, written)), kept)
        else:
            if written is None or sha(prev, canonical(row, written)) != row["hash"]:
                return f"case {case}, event {seq}: content does not match its hash"
            # Intact while its salt is there and H(salt || text) is the digest.
            if salt is None or "sha256:" + sha(bytes.fromhex(salt), row["payload"].encode("utf-8")) != written:
                changed[seq] = (row["hash"], kept)
        if row["event_type"] == "content_disposed":
            for entry in json.loads(row["payload"]).get("events", []):
                if changed.pop(entry["sequence"], None) != (entry["sealed"], entry["kept"]):
                    return f"case {case}, event {entry['sequence']}: not the content the disposal in event {seq} records"
        last = (case, seq, row["hash"])
        events += 1
    if last and unrecorded():
        return unrecorded()
    expected, global_hash = 1, GENESIS
    for row in db.execute("SELECT global_seq, hash, global_hash FROM event ORDER BY global_seq"):
        if row["global_seq"] != expected:
            return f"global sequence {expected} is missing"
        global_hash = sha(bytes.fromhex(global_hash), bytes.fromhex(row["hash"]))
        while pending and pending[0][0] == expected:
            size, head = pending.pop(0)
            if head != global_hash:
                return (f"the log does not extend the signed checkpoint at {size} events: "
                        f"the first changed event is among global sequences {good + 1} to {size}")
            good = size
        if global_hash != row["global_hash"]:
            return f"global sequence {expected}: link does not recompute"
        expected += 1
    if pending:
        return (f"the log does not extend the signed checkpoint at {pending[0][0]} events: "
                f"it has {expected - 1}; global sequences {expected} to {pending[0][0]} were deleted")
    head = db.execute("SELECT global_seq, global_hash FROM audit_head WHERE id = 1").fetchone()
    if (head["global_seq"], head["global_hash"]) != (expected - 1, global_hash):
        return "the global chain does not end at the recorded head"
    problem = check_read_tables(db)
    if problem:
        return f"read tables differ from the events: {problem}"
    problem, unproven = check_persons(db)
    if problem:
        return problem
    problem = check_documents(db)
    if problem:
        return problem
    problem = check_access_chain(db, [c[2] for c in checkpoints if len(c) > 2 and c[2]])
    if problem:
        return problem
    problem = check_org_chain(db)
    if problem:
        return problem
    print(f"audit chain intact: {events} events")
    if unproven:
        print(f"note: {unproven} personnummer were filed before filings committed to them and cannot be proven")
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("--public-key", action="append", default=[],
                        help="repeat for keys rotated out: each checkpoint must verify under one")
    parser.add_argument("--checkpoints", nargs="+", default=[])
    args = parser.parse_args()
    signed = []
    if args.checkpoints:
        if not args.public_key:
            sys.exit("--checkpoints needs --public-key")
        keys = [read_key(k) for k in args.public_key]
        for file in checkpoint_files(args.checkpoints):
            problems = []
            for key in keys:
                checkpoint, problem = open_checkpoint(file, key)
                if problem is None:
                    signed.append(checkpoint)
                    break
                problems.append(problem)
            else:
                print(f"CHECKPOINT NOT GENUINE: {problems[0]}")
                sys.exit(2)
    problem = main(args.database, signed)
    if problem:
        print(f"AUDIT CHAIN BROKEN: {problem}")
        sys.exit(1)
    if signed:
        print(f"the log extends all {len(signed)} signed checkpoints")
