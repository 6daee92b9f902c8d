#!/usr/bin/env python3
"""qgen - write ready queue files in Postfix's format straight into a queue.

Usage: qgen.py --queue QUEUE_DIRECTORY (--count N | --special)

Files go into deferred/H/ID (hash_queue_depth 1), mode 0700, with their
modification time a day ahead (a qmgr would not try them yet). The records
are what cleanup writes (docs/postfix/queue.md): C (content size, data
offset, recipient count), T, A create_time, A rewrite_context, S, M, the
content as N records, X, A dsn_orig_rcpt, O, R, E, so postcat and showq
read them as they read Postfix's own.

--count N: message i is from s(i % 10)@senders.example to
r<i>@d<(i / 10) % 10>.example, arrived i minutes and 30 seconds ago, with
a body of i % 13 + 1 lines of 80 characters (so sizes vary). --special:
three messages, E0000A00001 from the null sender, E0000A00002 from
"a b"@q.example (a quoted local part; "a b@q.example" in the file) and
E0000A00003 to u@mx.d5.example (a subdomain). Prints one line per
message: ID SENDER RECIPIENT SIZE ARRIVAL (the null sender as "<>"; SIZE
is what mailq shows).
"""
import argparse
import os
import time


def rec(rtype, data):
    """One record: type, base-128 little-endian length, data."""
    if isinstance(data, str):
        data = data.encode()
    out = bytearray(rtype.encode())
    n = len(data)
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes(out) + data


def queue_file(qid, sender, rcpt, arrival, lines):
    """The bytes of a queue file and its content size."""
    head = [
        rec("T", "%d 0" % arrival),
        rec("A", "create_time=%d" % arrival),
        rec("A", "rewrite_context=local"),
        rec("S", sender),
        rec("M", ""),
    ]
    body = ["Received: by relay.example.com (sluice, from userid 0)",
            "\tid %s; %s" % (qid, time.strftime(
                "%a, %d %b %Y %H:%M:%S +0000 (UTC)", time.gmtime(arrival))),
            "From: <%s>" % (sender or "MAILER-DAEMON"),
            "To: <%s>" % rcpt, "Subject: qselect test", ""]
    body += ["%02d " % i + "x" * 77 for i in range(lines)]
    content = b"".join(rec("N", line) for line in body)
    tail = [rec("X", ""), rec("A", "dsn_orig_rcpt=rfc822;" + rcpt),
            rec("O", rcpt), rec("R", rcpt), rec("E", "")]
    c_len = len(rec("C", " " * 95))
    offset = c_len + sum(len(r) for r in head)
    size = len(content)
    crec = rec("C", "%15d %15d %15d %15d %15d %15d" % (size, offset, 1, 0,
                                                       size, 0))
    assert len(crec) == c_len
    return crec + b"".join(head) + content + b"".join(tail), size


def write(qdir, qid, data):
    d = os.path.join(qdir, "deferred", qid[0])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, qid)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o700)
    later = time.time() + 86400
    os.utime(path, (later, later))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", required=True)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--special", action="store_true")
    a = ap.parse_args()
    now = int(time.time())
    msgs = []
    if a.special:
        msgs = [("E0000A00001", "", "n@d1.example", 3),
                ("E0000A00002", "a b@q.example", "q@d1.example", 3),
                ("E0000A00003", "x@senders.example", "u@mx.d5.example", 3)]
    for i in range(a.count):
        qid = "%05X%X" % (i * 997 % 1000000, 0x100000 + i)
        msgs.append((qid, "s%d@senders.example" % (i % 10),
                     "r%d@d%d.example" % (i, i // 10 % 10), i % 13 + 1))
    for n, (qid, sender, rcpt, lines) in enumerate(msgs):
        arrival = now - (n * 60 + 30) if a.count else now - 30
        data, size = queue_file(qid, sender, rcpt, arrival, lines)
        write(a.queue, qid, data)
        print(qid, (sender or "<>").replace(" ", "_"), rcpt, size, arrival)


if __name__ == "__main__":
    main()
