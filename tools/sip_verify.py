#!/usr/bin/env python3
"""Check Varna archive packages (E-ARK SIP) on their own, without Varna.

For each package folder: the METS manifest names every file but itself
exactly once, each with its true size and SHA-256, and the structure is
the one docs/archive.md specifies (CSIP root attributes, the descriptive
ERMS file, the representation's data, the structural map); the ERMS file
describes the case the events are of; the events recompute their case's
hash chain as `varna audit verify` does (docs/storage.md); the global
chain's links recompute from the case's first event to the last link,
carry every event of the case, and end at the included checkpoint's head;
and, with --public-key, the checkpoint's signature holds.

Exit 0 when every package holds, 1 at the first problem (printed).
Needs only Python 3 (and the 'cryptography' package for --public-key).
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_verify import GENESIS, canonical, open_checkpoint, read_key, sha  # noqa: E402

METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
CSIP = "{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}"
ERMS = "{https://DILCIS.eu/XML/ERMS}"


def listed_files(mets):
    """(href, element with SIZE/CHECKSUM) of every mdRef and file."""
    for ref in mets.iter(METS + "mdRef"):
        yield ref.get(XLINK + "href"), ref
    for f in mets.iter(METS + "file"):
        loc = f.find(METS + "FLocat")
        yield (loc.get(XLINK + "href") if loc is not None else None), f


def check_manifest(root, mets):
    objid = mets.get("OBJID")
    if objid != os.path.basename(os.path.normpath(root)):
        return f"OBJID {objid!r} is not the package folder's name"
    if mets.get(CSIP + "CONTENTINFORMATIONTYPE") != "ERMS":
        return "mets/@csip:CONTENTINFORMATIONTYPE is not ERMS"
    if not mets.get("PROFILE") or not mets.get("TYPE"):
        return "mets/@PROFILE or mets/@TYPE is missing"
    header = mets.find(METS + "metsHdr")
    if header is None or header.get(CSIP + "OAISPACKAGETYPE") != "SIP" or not header.get("CREATEDATE"):
        return "metsHdr must give CREATEDATE and csip:OAISPACKAGETYPE=\"SIP\""
    if not any(a.get("ROLE") == "CREATOR" for a in header.iter(METS + "agent")):
        return "metsHdr names no CREATOR agent"
    seen = set()
    for href, el in listed_files(mets):
        if not href or href.startswith("/") or ".." in href.split("/"):
            return f"a file reference {href!r} is not a path inside the package"
        if href in seen:
            return f"{href} is listed twice"
        seen.add(href)
        path = os.path.join(root, *href.split("/"))
        if not os.path.isfile(path):
            return f"{href} is listed but missing"
        with open(path, "rb") as f:
            data = f.read()
        if el.get("CHECKSUMTYPE") != "SHA-256":
            return f"{href}: the checksum is not SHA-256"
        if str(len(data)) != el.get("SIZE"):
            return f"{href}: {len(data)} bytes, the manifest says {el.get('SIZE')}"
        if hashlib.sha256(data).hexdigest() != el.get("CHECKSUM"):
            return f"{href}: the SHA-256 does not match the manifest (the file was changed)"
    for folder, _, names in os.walk(root):
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            if rel != "METS.xml" and rel not in seen:
                return f"{rel} is in the package but not in the manifest"
    if "metadata/descriptive/erms.xml" not in seen:
        return "no metadata/descriptive/erms.xml"
    if not any(h.startswith("representations/rep1/data/") for h in seen):
        return "no representations/rep1/data/"
    dmd_ids = {d.get("ID") for d in mets.iter(METS + "dmdSec")}
    file_ids = {f.get("ID") for f in mets.iter(METS + "file")}
    struct = mets.find(METS + "structMap")
    if struct is None or struct.get("TYPE") != "PHYSICAL" or struct.get("LABEL") != "CSIP":
        return "no structMap of TYPE PHYSICAL and LABEL CSIP"
    pointed = {p.get("FILEID") for p in struct.iter(METS + "fptr")}
    if pointed != file_ids:
        return "the structMap does not point to every file of the fileSec"
    if not any(d.get("DMDID") in dmd_ids for d in struct.iter(METS + "div")):
        return "the structMap does not point to the descriptive metadata"
    return None


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_events(events, case_id):
    """The case's own chain, as `audit verify` checks it."""
    if not events:
        return "the package holds no events"
    prev_hash = GENESIS
    for n, row in enumerate(events, start=1):
        where = f"event {row.get('sequence')}"
        if row["case_id"] != case_id:
            return f"{where} is of case {row['case_id']}, not {case_id}"
        if row["sequence"] != n:
            return f"event {n} is missing"
        if row["prev_hash"] != prev_hash:
            return f"{where} does not link to the previous event"
        prev = bytes.fromhex(row["prev_hash"])
        if row["event_version"] == 1:
            if sha(prev, canonical(row)) != row["hash"]:
                return f"{where}: content does not match its hash"
        else:
            written = row.get("payload_digest")
            if written is None or sha(prev, canonical(row, written)) != row["hash"]:
                return f"{where}: content does not match its hash"
            salt = row.get("payload_salt")
            if salt is None or "sha256:" + sha(bytes.fromhex(salt), row["payload"].encode("utf-8")) != written:
                return f"{where}: the payload is not the one written"
        prev_hash = row["hash"]
    return None


def check_global(events, links):
    """The global chain from the case's first event on; (problem, size, head)."""
    if not links:
        return "no global chain links", None, None
    first = events[0]["global_seq"]
    if links[0]["global_seq"] == first - 1:
        head, links = links[0]["global_hash"], links[1:]
    elif first == 1:
        head = GENESIS
    else:
        return "the global chain does not start just before the case's first event", None, None
    by_seq = {e["global_seq"]: e for e in events}
    expected = first
    for link in links:
        if link["global_seq"] != expected:
            return f"global sequence {expected} is missing", None, None
        head = sha(bytes.fromhex(head), bytes.fromhex(link["hash"]))
        if head != link["global_hash"]:
            return f"global sequence {expected}: link does not recompute", None, None
        event = by_seq.pop(expected, None)
        if event is not None and (event["hash"], event["global_hash"]) != (link["hash"], link["global_hash"]):
            return f"event {event['sequence']} is not the one at global sequence {expected}", None, None
        expected += 1
    if by_seq:
        return f"events {sorted(e['sequence'] for e in by_seq.values())} are not in the global chain", None, None
    return None, expected - 1, head


def check_package(root, key):
    mets_path = os.path.join(root, "METS.xml")
    if not os.path.isfile(mets_path):
        return "no METS.xml at the package root", None
    try:
        mets = ET.parse(mets_path).getroot()
    except ET.ParseError as e:
        return f"METS.xml is not well-formed XML: {e}", None
    if mets.tag != METS + "mets":
        return "METS.xml's root is not mets:mets", None
    problem = check_manifest(root, mets)
    if problem:
        return problem, None
    try:
        erms = ET.parse(os.path.join(root, "metadata", "descriptive", "erms.xml")).getroot()
    except ET.ParseError as e:
        return f"erms.xml is not well-formed XML: {e}", None
    aggregation = erms.find(f"{ERMS}aggregations/{ERMS}aggregation")
    if erms.tag != ERMS + "erms" or aggregation is None or aggregation.get("aggregationType") != "caseFile":
        return "erms.xml describes no ärendeakt (aggregation of type caseFile)", None
    case_id = aggregation.get("systemIdentifier")
    if not aggregation.findtext(ERMS + "objectId"):
        return "erms.xml gives the ärendeakt no objectId (case number)", None
    events = read_lines(os.path.join(root, "representations", "rep1", "data", "events.jsonl"))
    problem = check_events(events, case_id)
    if problem:
        return f"case {case_id}: {problem}", None
    preservation = os.path.join(root, "metadata", "preservation")
    links = read_lines(os.path.join(preservation, "global-chain.jsonl"))
    problem, size, head = check_global(events, links)
    if problem:
        return problem, None
    notes = [n for n in sorted(os.listdir(preservation)) if n.startswith("checkpoint-")]
    if not notes:
        return None, f"{len(events)} events; no checkpoint (the proof ends at global sequence {size})"
    path = os.path.join(preservation, notes[0])
    if key is not None:
        stated, problem = open_checkpoint(path, key)
        if problem:
            return problem, None
        c_size, c_head = stated[0], stated[1]
    else:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        c_size, c_head = int(lines[1]), base64.b64decode(lines[2]).hex()
    if (c_size, c_head) != (size, head):
        return f"the chain does not end at the checkpoint's head ({c_size} events)", None
    signed = "signed, signature checked" if key is not None else "signature not checked: give --public-key"
    return None, f"{len(events)} events; checkpoint at {c_size} events ({signed})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="+", help="package folders (or a folder of them)")
    parser.add_argument("--public-key", help="the checkpoint key, as `varna audit key` prints it (or a file)")
    args = parser.parse_args()
    key = read_key(args.public_key) if args.public_key else None
    roots = []
    for p in args.packages:
        if os.path.isfile(os.path.join(p, "METS.xml")):
            roots.append(p)
        elif os.path.isdir(p):
            roots.extend(os.path.join(p, n) for n in sorted(os.listdir(p)))
        else:
            roots.append(p)
    for root in roots:
        problem, summary = check_package(root, key)
        if problem:
            print(f"{root}: {problem}")
            return 1
        print(f"{root}: package intact: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
