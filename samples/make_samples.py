#!/usr/bin/env python3
"""Writes the sample DMARC reports in samples/, their EXPECTED.tsv and README.md.

Usage:  python3 samples/make_samples.py

Python 3 standard library only. The output is deterministic: fixed timestamps,
gzip mtime 0, fixed zip dates, fixed MIME boundaries, counts derived from a
hash of their names. Running it again rewrites the same bytes (as long as the
zlib library in use compresses the same way).

The script knows every record it writes, so it computes the expected values
from its own model. It then reads every file it wrote back with an independent
reader (magic-byte unwrapping, the email package, xml.etree) and stops with an
error if the two disagree, if an expected failure parses, or if a report
identity appears twice (other than the one deliberate duplicate).

The story: example.com publishes p=reject; sp=quarantine, news.example.com
publishes p=quarantine. Two ISO weeks of daily reports, 2026-W46 and 2026-W47.
"""

from __future__ import annotations

import base64
import datetime
import email
import email.policy
import email.utils
import gzip
import hashlib
import io
import json
import mailbox
import quopri
import sys
import time
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).resolve().parent
DAY = 86400
W46_MONDAY = 1794182400  # 2026-11-09T00:00:00Z, Monday of ISO week 2026-W46
ZIP_DATE = (2026, 11, 23, 6, 30, 0)

NS_DMARCBIS = "urn:ietf:params:xml:ns:dmarc-2.0"
NS_EXTENSION = "https://dmarc-extension.example.net/arc/1"

TSV_HEADER = [
    "path", "kind", "org_name", "report_id", "policy_domain", "date_begin",
    "date_end", "records", "count_sum", "spf_fail_records", "reject_records",
    "quarantine_records", "schema", "reports_in_file",
]


def day_begin(day: int) -> int:
    return W46_MONDAY + day * DAY


def day_end(day: int) -> int:
    return day_begin(day) + DAY - 1


def digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def mail_date(ts: int) -> str:
    return email.utils.formatdate(ts, usegmt=True)


# --------------------------------------------------------------------------
# Reporters (realistic org names; every address and domain is reserved)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reporter:
    key: str
    org: str
    domain: str      # the reporter's (reserved) domain: addresses, file names
    email: str
    contact: str | None
    weight: int      # share of our traffic it sees, per mille
    id_style: str


REPORTERS = {r.key: r for r in [
    Reporter("google", "google.com", "google.example",
             "noreply-dmarc-support@google.example",
             "https://support.google.example/a/answer/2466580", 1000, "digits"),
    Reporter("yahoo", "Yahoo", "yahoo.example", "dmarchelp@yahoo.example",
             None, 300, "stamp"),
    Reporter("outlook", "Enterprise Outlook", "microsoft.example",
             "dmarcreport@microsoft.example", None, 550, "hex"),
    Reporter("outlookcom", "Outlook.com", "microsoft.example",
             "dmarcreport@microsoft.example", None, 350, "hex"),
    Reporter("mailru", "Mail.Ru", "mailru.example", "dmarc_support@mailru.example",
             "https://postmaster.mailru.example/", 80, "digits"),
    Reporter("comcast", "Comcast", "comcast.example", "dmarc_support@comcast.example",
             None, 100, "domain_stamp"),
    Reporter("gmx", "GMX", "gmx.example", "noreply-dmarc@sicher.gmx.example",
             "https://postmaster.gmx.example/en/case?c=r2002", 120, "hex"),
    Reporter("webde", "WEB.DE", "webde.example", "noreply-dmarc@sicher.webde.example",
             "https://postmaster.webde.example/en/case?c=r2002", 100, "hex"),
    Reporter("mailboxorg", "mailbox.org", "mailboxorg.example",
             "dmarc-reports@mailboxorg.example", None, 30, "uuid"),
    Reporter("orange", "Orange", "orange.example", "dmarc-noreply@orange.example",
             None, 60, "digits"),
    Reporter("seznam", "Seznam.cz", "seznam.example", "dmarc-noreply@seznam.example",
             None, 40, "angle"),
    Reporter("amazonses", "AMAZON-SES", "amazonses.example",
             "postmaster@amazonses.example", None, 50, "uuid"),
    Reporter("zoho", "zoho.com", "zoho.example", "noreply-dmarc@zoho.example",
             None, 30, "uuid"),
    Reporter("mimecast", "Mimecast", "mimecast.example",
             "dmarc-noreply@mimecast.example", None, 70, "digits"),
    Reporter("fastmail", "Fastmail Pty Ltd", "fastmail.example",
             "noreply-dmarc-support@fastmail.example", "https://www.fastmail.example",
             40, "stamp_hex"),
    Reporter("mueller", "M\u00fcller GmbH", "mueller.example", "postmaster@mueller.example",
             "https://www.mueller.example/postmaster", 10, "dated"),
]}


def report_id_for(rep: Reporter, day: int, domain: str) -> str:
    h = digest(rep.key, day, domain)
    begin = day_begin(day)
    if rep.id_style == "digits":
        return str(int(h[:16], 16))
    if rep.id_style == "hex":
        return h[:32]
    if rep.id_style == "uuid":
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
    if rep.id_style == "stamp":
        return f"{begin + DAY + int(h[:4], 16) % 7200}.{int(h[4:10], 16) % 1000000:06d}"
    if rep.id_style == "stamp_hex":
        return f"{begin}.{h[:12]}"
    if rep.id_style == "domain_stamp":
        return f"{domain}_{begin}"
    if rep.id_style == "angle":  # written as <...> in the XML, stored without
        return f"{h[:16]}@mx.{rep.domain}"
    if rep.id_style == "dated":
        return f"mueller-2026{11:02d}{9 + day:02d}-01"
    raise ValueError(rep.id_style)


# --------------------------------------------------------------------------
# The story: sending sources and the records they produce
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Dkim:
    domain: str
    selector: str | None
    result: str
    human: str | None = None


@dataclass(frozen=True)
class Spf:
    domain: str
    scope: str | None
    result: str
    human: str | None = None


@dataclass
class Rec:
    ip: str
    count: int
    disposition: str
    dkim: str
    spf: str
    header_from: str
    envelope_from: str | None
    dkim_results: list[Dkim]
    spf_results: list[Spf]
    reasons: list[tuple[str, str | None]] = field(default_factory=list)
    envelope_to: str | None = None
    extension: list | None = None


# Messages per day a receiver with weight 1000 sees from each source.
BASE_COUNTS = {
    "own1": 1800, "own2": 1400, "own6": 500, "esp1": 5200, "esp2": 4100,
    "crm1": 160, "crm2": 120, "ticket": 70, "invoice": 45, "fwd": 14,
    "list": 30, "list_reject": 30,
}

OWN_IPS = {"own1": "192.0.2.10", "own2": "192.0.2.11", "own6": "2001:db8:5c::25"}
OWN_HELO = {"own1": "mx-out1.example.com", "own2": "mx-out2.example.com",
            "own6": "mx-out1.example.com"}
ESP_IPS = {"esp1": "198.51.100.20", "esp2": "198.51.100.21"}
CRM_IPS = {"crm1": "203.0.113.50", "crm2": "203.0.113.51"}
TICKET_IP = "198.51.100.77"
INVOICE_IP = "203.0.113.90"
FORWARDER_IP = "198.51.100.140"
LIST_IP = "203.0.113.25"

WEEK_OF_CRM = 7  # the CRM service starts sending on day 7 (2026-11-16, W47)


def message_count(source: str, rep: Reporter, day: int) -> int:
    h = int(digest("count", source, rep.key, day)[:8], 16)
    return max(1, BASE_COUNTS[source] * rep.weight * (85 + h % 31) // 100_000)


def make_record(source: str, rep: Reporter, day: int, bis: bool, human: bool) -> Rec:
    """One record for a source, as a receiver would report it."""
    n = message_count(source, rep, day)
    hr = (lambda text: text) if human else (lambda text: None)
    passed = "pass" if bis else "none"  # DMARCbis reports a DMARC pass as "pass"
    if source in OWN_IPS:
        return Rec(OWN_IPS[source], n, passed, "pass", "pass", "example.com", "example.com",
                   [Dkim("example.com", "s2026", "pass")],
                   [Spf("example.com", "mfrom", "pass")])
    if source in ESP_IPS:
        # The ESP uses its own bounce domain: SPF passes but is not aligned;
        # its DKIM signature for news.example.com is aligned, so mail is delivered.
        return Rec(ESP_IPS[source], n, passed, "pass", "fail", "news.example.com",
                   "bounces.esp.example.net",
                   [Dkim("news.example.com", "esp2026", "pass"),
                    Dkim("esp.example.net", "k1", "pass")],
                   [Spf("bounces.esp.example.net", "mfrom", "pass")])
    if source in CRM_IPS:
        assert day >= WEEK_OF_CRM, "the CRM service only sends in the second week"
        return Rec(CRM_IPS[source], n, "reject", "fail", "fail", "example.com", "example.com",
                   [Dkim("example.com", "crm1", "fail",
                         hr("signature verification failed: no key for crm1._domainkey.example.com"))],
                   [Spf("example.com", "mfrom", "fail",
                        hr(f"{CRM_IPS[source]} is not permitted by the SPF record of example.com"))])
    if source == "ticket":
        return Rec(TICKET_IP, n, "quarantine", "fail", "fail", "support.example.com",
                   "support.example.com",
                   [Dkim("support.example.com", "tk1", "fail", hr("body hash did not verify"))],
                   [Spf("support.example.com", "mfrom", "softfail",
                        hr(f"{TICKET_IP} is not designated; record ends in ~all"))])
    if source == "invoice":
        return Rec(INVOICE_IP, n, "reject", "fail", "fail", "example.com", "billing.example.com",
                   [],
                   [Spf("billing.example.com", "mfrom", "permerror",
                        hr("too many DNS lookups (12 > 10)"))])
    if source == "fwd":
        assert not bis, "DMARCbis has no 'forwarded' override type"
        return Rec(FORWARDER_IP, n, "none", "fail", "fail", "example.com", "example.com",
                   [Dkim("example.com", "s2026", "fail")],
                   [Spf("example.com", "mfrom", "fail")],
                   reasons=[("forwarded", None), ("local_policy", None)])
    if source in ("list", "list_reject"):
        rejected = source == "list_reject"
        return Rec(LIST_IP, n, "reject" if rejected else "none", "fail", "fail", "example.com",
                   "lists.example.org",
                   [Dkim("example.com", "s2026", "fail", hr("body hash did not verify")),
                    Dkim("lists.example.org", "list1", "pass")],
                   [Spf("lists.example.org", "mfrom", "pass")],
                   reasons=[] if rejected else [("mailing_list", None)])
    raise ValueError(source)


POLICIES = {
    "example.com": {"adkim": "r", "aspf": "r", "p": "reject", "sp": "quarantine",
                    "np": "reject", "pct": "100", "fo": "1"},
    "news.example.com": {"adkim": "r", "aspf": "r", "p": "quarantine", "sp": "quarantine",
                         "np": "quarantine", "pct": "100", "fo": "0"},
}


@dataclass
class Report:
    reporter: str
    day: int
    domain: str
    sources: list[str]
    schema: str = "rfc7489"
    style: dict = field(default_factory=dict)

    @property
    def rep(self) -> Reporter:
        return REPORTERS[self.reporter]

    @property
    def report_id(self) -> str:
        return report_id_for(self.rep, self.day, self.domain)

    @property
    def begin(self) -> int:
        return day_begin(self.day)

    @property
    def end(self) -> int:
        return day_end(self.day)

    def records(self) -> list[Rec]:
        bis = self.schema == "dmarcbis"
        human = bis and "human_result" not in self.style.get("omit", set())
        out = []
        for source in self.sources:
            rec = make_record(source, self.rep, self.day, bis, human)
            for hook in self.style.get("record_hooks", []):
                hook(source, rec)
            out.append(rec)
        return out

    def file_name(self, ext: str) -> str:
        """RFC 7489 section 7.2.1.1 style: receiver!policy-domain!begin!end.ext"""
        return f"{self.rep.domain}!{self.domain}!{self.begin}!{self.end}.{ext}"


# --------------------------------------------------------------------------
# XML rendering
# --------------------------------------------------------------------------

DECLARATIONS = {
    "utf-8": '<?xml version="1.0" encoding="UTF-8"?>',
    "google": '<?xml version="1.0" encoding="UTF-8" ?>',
    "outlook": '<?xml version="1.0"?>',
    "single-quoted": "<?xml version='1.0' encoding='utf-8' ?>",
    "windows-1252": '<?xml version="1.0" encoding="windows-1252"?>',
}


def feedback_tree(report: Report) -> tuple:
    st = report.style
    rep = report.rep
    bis = report.schema == "dmarcbis"
    omit = st.get("omit", set())
    case = st.get("case", {})

    def c(value: str) -> str:
        return case.get(value, value)

    fraction = st.get("fractional")
    begin, end = str(report.begin), str(report.end)
    if fraction:
        begin, end = begin + fraction[0], end + fraction[1]
    report_id = report.report_id
    if rep.id_style == "angle":
        report_id = f"<{report_id}>"
    org = st.get("org_text", rep.org)

    meta = [("org_name", org), ("email", rep.email)]
    if rep.contact and "extra_contact_info" not in omit:
        meta.append(("extra_contact_info", rep.contact))
    if "report_id" not in omit:
        meta.append(("report_id", report_id))
    meta.append(("date_range", [("begin", begin), ("end", end)]))
    for error in st.get("errors", []):
        meta.append(("error", error))
    if bis and st.get("generator"):
        meta.append(("generator", st["generator"]))

    pol = POLICIES[report.domain]
    published = [("domain", report.domain)]
    if bis:
        if st.get("discovery_method"):
            published.append(("discovery_method", st["discovery_method"]))
        published.append(("p", c(pol["p"])))
        if "sp" not in omit:
            published.append(("sp", c(pol["sp"])))
        published.append(("np", c(pol["np"])))
        published += [("fo", pol["fo"]), ("adkim", pol["adkim"]), ("aspf", pol["aspf"]),
                      ("testing", "n")]
    else:
        published += [("adkim", pol["adkim"]), ("aspf", pol["aspf"]), ("p", c(pol["p"]))]
        if "sp" not in omit:
            published.append(("sp", c(pol["sp"])))
        published.append(("pct", pol["pct"]))
        if "fo" not in omit:
            published.append(("fo", pol["fo"]))

    children: list = []
    version = st.get("version")
    if version:
        children.append(("version", version))
    children += [("report_metadata", meta), ("policy_published", published)]
    if bis and st.get("extension"):
        children.append(("extension", [("rx:reporting_mta", f"mx07.{rep.domain}")]))
    for rec in report.records():
        children.append(record_tree(rec, bis, st, c))

    attrs = st.get("root_attrs", "")
    ns = st.get("ns")
    if ns == "default":
        attrs = f' xmlns="{NS_DMARCBIS}"' + attrs
    elif ns == "prefixed":
        attrs = f' xmlns:dmarc="{NS_DMARCBIS}"' + attrs
    if bis and st.get("extension"):
        attrs += f' xmlns:rx="{NS_EXTENSION}"'
    return ("feedback", children, attrs)


def record_tree(rec: Rec, bis: bool, st: dict, c) -> tuple:
    omit = st.get("omit", set())
    ip = rec.ip
    if st.get("expand_ipv6") and ":" in ip:
        ip = "2001:0db8:005c:0000:0000:0000:0000:0025"
        assert rec.ip == "2001:db8:5c::25"
    evaluated = [("disposition", c(rec.disposition)), ("dkim", c(rec.dkim)), ("spf", c(rec.spf))]
    for rtype, comment in rec.reasons:
        evaluated.append(("reason", [("type", rtype)] + ([("comment", comment)] if comment else [])))
    row = [("source_ip", ip), ("count", str(rec.count)), ("policy_evaluated", evaluated)]

    env_from = [] if "envelope_from" in omit or rec.envelope_from is None else [
        ("envelope_from", rec.envelope_from)]
    env_to = [("envelope_to", rec.envelope_to)] if rec.envelope_to else []
    header = [("header_from", rec.header_from)]
    ids = header + env_from + env_to if bis else env_to + env_from + header

    auth = []
    for d in rec.dkim_results:
        node = [("domain", d.domain)]
        if d.selector and "selector" not in omit:
            node.append(("selector", d.selector))
        node.append(("result", c(d.result)))
        if d.human:
            node.append(("human_result", d.human))
        auth.append(("dkim", node))
    for s in rec.spf_results:
        node = [("domain", s.domain)]
        if s.scope:
            node.append(("scope", c(s.scope)))
        node.append(("result", c(s.result)))
        if s.human:
            node.append(("human_result", s.human))
        auth.append(("spf", node))

    children = [("row", row), (st.get("ids_tag", "identifiers"), ids), ("auth_results", auth)]
    if rec.extension:
        children += rec.extension
    return ("record", children)


def render(report: Report) -> bytes:
    st = report.style
    nl = st.get("newline", "\n")
    indent = st.get("indent", "  ") if nl else ""
    prefix = "dmarc:" if st.get("ns") == "prefixed" else ""
    lines: list[str] = []

    def name(tag: str) -> str:
        return tag if ":" in tag else prefix + tag

    def walk(node: tuple, level: int) -> None:
        tag, value = node[0], node[1]
        attrs = node[2] if len(node) > 2 else ""
        pad = indent * level
        if isinstance(value, list):
            lines.append(f"{pad}<{name(tag)}{attrs}>")
            for child in value:
                walk(child, level + 1)
            lines.append(f"{pad}</{name(tag)}>")
        else:
            lines.append(f"{pad}<{name(tag)}>{escape(value)}</{name(tag)}>")

    walk(feedback_tree(report), 0)
    decl = st.get("declaration", "utf-8")
    if decl:
        lines.insert(0, DECLARATIONS[decl])
    text = nl.join(lines) + ("\n" if not nl else nl)
    data = text.encode("cp1252" if decl == "windows-1252" else "utf-8")
    if st.get("bom"):
        data = b"\xef\xbb\xbf" + data
    return data


# --------------------------------------------------------------------------
# Containers
# --------------------------------------------------------------------------

def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as zf:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
            info.create_system = 3
            if member.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    return bio.getvalue()


def apple_double(name: str) -> bytes:
    """A small AppleDouble resource-fork file, as macOS puts under __MACOSX/."""
    header = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        "
    entries = b"\x00\x02" + b"\x00\x00\x00\x09\x00\x00\x00\x32\x00\x00\x0e\xb0"
    entries += b"\x00\x00\x00\x02\x00\x00\x0e\xe2\x00\x00\x01\x1e"
    body = b"\x00" * 18 + b"ATTR" + name.encode()[:16].ljust(16, b"\x00")
    return header + entries + body


# --------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------

def b64_lines(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


@dataclass
class Part:
    headers: list[tuple[str, str]]
    body: str


def build_mail(headers: list[tuple[str, str]], boundary: str | None, parts: list[Part] | None,
               body: str = "", crlf: bool = False, preamble: str | None = None) -> bytes:
    lines = [f"{k}: {v}" for k, v in headers]
    text = "\n".join(lines) + "\n\n"
    if parts is None:
        text += body
    else:
        if preamble:
            text += preamble + "\n"
        for part in parts:
            text += f"--{boundary}\n"
            text += "".join(f"{k}: {v}\n" for k, v in part.headers) + "\n"
            text += part.body
            if not part.body.endswith("\n"):
                text += "\n"
            text += "\n"
        text += f"--{boundary}--\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8")


def report_mail(report: Report, attachment: bytes, content_type: str, filename: str,
                crlf: bool, received: int, boundary: str, extra_headers=(),
                human_text: str | None = None, disposition: str = "attachment") -> bytes:
    rep = report.rep
    rid = report.report_id
    headers = [
        ("Return-Path", f"<{rep.email}>"),
        ("Delivered-To", "dmarc-reports@example.com"),
        ("Received", f"from mail-out.{rep.domain} (mail-out.{rep.domain} [198.51.100.9])\n"
                     f"\tby mx1.example.com (Postfix) with ESMTPS id {digest(rid)[:10].upper()}\n"
                     f"\tfor <dmarc-reports@example.com>; {mail_date(received)}"),
        *extra_headers,
        ("Date", mail_date(received - 37)),
        ("From", f"{rep.org} DMARC <{rep.email}>" if rep.org.isascii() else rep.email),
        ("To", "dmarc-reports@example.com"),
        ("Subject", f"Report Domain: {report.domain} Submitter: {rep.domain} Report-ID: <{rid}>"),
        ("Message-ID", f"<{digest('msg', rid)[:24]}@{rep.domain}>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; boundary="{boundary}"'),
    ]
    text = human_text or (
        f"This is an aggregate report from {rep.org} for {report.domain}\n"
        f"covering {mail_date(report.begin)} to {mail_date(report.end)}.\n")
    parts = [Part([("Content-Type", 'text/plain; charset="UTF-8"'),
                   ("Content-Transfer-Encoding", "7bit")], text)]
    if content_type == "text/xml":
        qp = quopri.encodestring(attachment).decode("ascii")
        parts.append(Part([("Content-Type", 'text/xml; charset="utf-8"'),
                           ("Content-Disposition", f'{disposition}; filename="{filename}"'),
                           ("Content-Transfer-Encoding", "quoted-printable")], qp))
    else:
        parts.append(Part([("Content-Type", f'{content_type}; name="{filename}"'),
                           ("Content-Disposition", f'{disposition}; filename="{filename}"'),
                           ("Content-Transfer-Encoding", "base64")], b64_lines(attachment)))
    return build_mail(headers, boundary, parts, crlf=crlf,
                      preamble="This is a multi-part message in MIME format.")


def forensic_mail() -> bytes:
    arrival = day_begin(8) + 9 * 3600 + 14 * 60 + 29  # 2026-11-17 09:14:29Z
    boundary = "----=_ARF_20261117091431_4471"
    headers = [
        ("Date", mail_date(arrival + 2)),
        ("From", "DMARC failure reports <dmarc-ruf@mx.example.net>"),
        ("To", "dmarc-failures@example.com"),
        ("Subject", "FW: Your case #48213 has been updated (DMARC failure report for example.com)"),
        ("Message-ID", "<ruf-20261117091431.4471@mx.example.net>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/report; report-type=feedback-report;\n\tboundary="{boundary}"'),
    ]
    parts = [
        Part([("Content-Type", "text/plain; charset=us-ascii"),
              ("Content-Transfer-Encoding", "7bit")],
             "This is an authentication failure report for an email message received\n"
             f"from IP 203.0.113.50 on {mail_date(arrival)}.\n"
             "The message was rejected because it failed DMARC for example.com.\n"),
        Part([("Content-Type", "message/feedback-report")],
             "Feedback-Type: auth-failure\n"
             "User-Agent: ExampleMTA-Reporter/2.4\n"
             "Version: 1\n"
             "Original-Envelope-Id: 4cT9Qx3mZ1z2\n"
             "Original-Mail-From: <notifications@example.com>\n"
             "Original-Rcpt-To: <j.doe@example.net>\n"
             f"Arrival-Date: {mail_date(arrival)}\n"
             "Reporting-MTA: dns; mx.example.net\n"
             "Source-IP: 203.0.113.50\n"
             "Delivery-Result: reject\n"
             "Auth-Failure: dmarc\n"
             "Authentication-Results: mx.example.net; dmarc=fail (p=reject dis=reject)\n"
             " header.from=example.com; spf=fail smtp.mailfrom=example.com;\n"
             " dkim=fail header.d=example.com header.s=crm1\n"
             "Reported-Domain: example.com\n"
             "Identity-Alignment: dkim, spf\n"),
        Part([("Content-Type", "text/rfc822-headers")],
             "Received: from crm-out-1.crm.example.org (crm-out-1.crm.example.org [203.0.113.50])\n"
             f"\tby mx.example.net with ESMTPS id 7Q2mLk0vXr; {mail_date(arrival)}\n"
             'From: "Example Customer Care" <notifications@example.com>\n'
             "To: j.doe@example.net\n"
             "Subject: Your case #48213 has been updated\n"
             f"Date: {mail_date(arrival - 3)}\n"
             "Message-ID: <case-48213-upd-7@crm.example.org>\n"
             "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=crm1;\n"
             "\th=from:to:subject:date:message-id; bh=Zm9yZW5zaWMtc2FtcGxl;\n"
             "\tb=bm90LWEtcmVhbC1zaWduYXR1cmU=\n"),
    ]
    return build_mail(headers, boundary, parts, crlf=True)


def tls_report(org: str, contact: str, day: int, report_id: str, successes: int,
               failures: list[dict]) -> bytes:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    begin_text = datetime.datetime.fromtimestamp(day_begin(day), datetime.timezone.utc).strftime(fmt)
    end_text = datetime.datetime.fromtimestamp(day_end(day), datetime.timezone.utc).strftime(fmt)
    doc = {
        "organization-name": org,
        "date-range": {"start-datetime": begin_text, "end-datetime": end_text},
        "contact-info": contact,
        "report-id": report_id,
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce",
                                  "mx: mx1.example.com", "mx: mx2.example.com",
                                  "max_age: 604800"],
                "policy-domain": "example.com",
                "mx-host": ["mx1.example.com", "mx2.example.com"],
            },
            "summary": {"total-successful-session-count": successes,
                        "total-failure-session-count": sum(f["failed-session-count"]
                                                           for f in failures)},
            "failure-details": failures,
        }],
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


# --------------------------------------------------------------------------
# The samples
# --------------------------------------------------------------------------

@dataclass
class Sample:
    path: str
    kind: str                  # aggregate, forensic, smtp_tls, failure
    data: bytes
    note: str
    reports: list[Report] = field(default_factory=list)
    failure: str = ""          # for kind "failure": what the reader must report


def forwarder_comments(source: str, rec: Rec) -> None:
    """Müller GmbH explains its override in German (windows-1252 bytes)."""
    if source == "fwd":
        rec.reasons = [("forwarded", "Weitergeleitet \u00fcber alumni.example.org"),
                       ("local_policy", "Zustellung trotz DMARC-Fehler \u2013 lokale Richtlinie")]


def outlook_envelope_to(source: str, rec: Rec) -> None:
    rec.envelope_to = "fabrikam.example.org"


def helo_results(source: str, rec: Rec) -> None:
    """Mail.Ru reports the HELO check next to the MAIL FROM check."""
    if source in OWN_HELO:
        rec.spf_results = rec.spf_results + [Spf(OWN_HELO[source], "helo", "pass")]
    elif source == "ticket":
        rec.spf_results = rec.spf_results + [Spf("tickets.example.net", "helo", "pass")]


def record_extension(source: str, rec: Rec) -> None:
    rec.extension = [("rx:arc", "none" if source != "list" else "pass")]


def build_samples() -> list[Sample]:
    S: list[Sample] = []
    ex, news = "example.com", "news.example.com"

    # ---- plain XML, RFC 7489 (week 46) -------------------------------------
    r = Report("google", 0, ex, ["own1", "own2", "own6", "ticket", "invoice", "list"],
               style={"declaration": "google", "version": "1.0"})
    S.append(Sample(r.file_name("xml"), "aggregate", render(r),
                    "Plain RFC 7489 report with XML declaration, named as RFC 7489 "
                    "section 7.2.1.1 suggests. Own servers (IPv4 and IPv6), the "
                    "ticketing system (quarantine), the invoicing platform (SPF "
                    "permerror, reject) and a mailing list (two DKIM results, "
                    "mailing_list override).", [r]))

    r = Report("yahoo", 1, ex, ["own1", "own2", "fwd", "list_reject"],
               style={"declaration": None,
                      "omit": {"envelope_from", "sp", "fo", "selector"}})
    S.append(Sample("yahoo-minimal-no-declaration.xml", "aggregate", render(r),
                    "No XML declaration, no <version>; optional elements missing: no "
                    "envelope_from, no sp, no fo, no DKIM selector, no human_result. "
                    "Yahoo rejects the mailing-list traffic (no override).", [r]))

    r = Report("outlook", 2, ex, ["own1", "own2", "ticket", "invoice"],
               style={"declaration": "outlook", "bom": True, "version": "1.0",
                      "root_attrs": ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
                                    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
                      "record_hooks": [outlook_envelope_to]})
    S.append(Sample("outlook-utf8-bom.xml", "aggregate", render(r),
                    "Starts with a UTF-8 BOM; xsd/xsi namespace declarations on the "
                    "root (no default namespace); envelope_to present.", [r]))

    r = Report("mueller", 3, ex, ["own1", "fwd"],
               style={"declaration": "windows-1252", "record_hooks": [forwarder_comments]})
    S.append(Sample("mueller-windows-1252.xml", "aggregate", render(r),
                    "Declared encoding=\"windows-1252\": org_name \"M\u00fcller GmbH\" "
                    "(byte 0xFC) and reason comments with 0xFC and an en dash (0x96, "
                    "which ISO-8859-1 does not have). The forwarder record carries two "
                    "overrides, forwarded and local_policy, disposition none.", [r]))

    r = Report("comcast", 4, ex, ["own1", "own2", "list", "invoice"],
               style={"declaration": "single-quoted",
                      "errors": ["Unknown tag \"rf=afrf\" ignored in the DMARC record"]})
    S.append(Sample("comcast-single-quoted-declaration.xml", "aggregate", render(r),
                    "Odd XML declaration <?xml version='1.0' encoding='utf-8' ?> "
                    "(single quotes, lower-case encoding, space before ?>); one "
                    "report_metadata/error element; AOL-style report_id "
                    "domain_timestamp.", [r]))

    r = Report("mailru", 5, ex, ["own1", "own6", "ticket"],
               style={"declaration": "utf-8", "newline": "", "expand_ipv6": True,
                      "record_hooks": [helo_results]})
    S.append(Sample("mailru-single-line.xml", "aggregate", render(r),
                    "The whole document on one line. Two SPF results per record "
                    "(scope mfrom and helo). The IPv6 source is written uncompressed "
                    "(2001:0db8:005c:0000:...:0025; stored as 2001:db8:5c::25).", [r]))

    r = Report("fastmail", 6, ex, ["own1", "list", "fwd"],
               style={"declaration": "utf-8", "newline": "\r\n", "indent": "\t"})
    S.append(Sample("fastmail-crlf.xml", "aggregate", render(r),
                    "CRLF line endings, tab indentation.", [r]))

    # ---- DMARCbis (week 47) -------------------------------------------------
    r = Report("gmx", 7, ex, ["own1", "own2", "own6", "crm1", "crm2", "invoice", "ticket", "list"],
               schema="dmarcbis",
               style={"ns": "default", "version": "1.0", "discovery_method": "treewalk",
                      "generator": "GMX DMARC Reporter 4.2.1", "extension": True,
                      "record_hooks": [record_extension]})
    S.append(Sample("gmx-dmarcbis-namespace.xml", "aggregate", render(r),
                    "RFC 9990 (DMARCbis) in namespace urn:ietf:params:xml:ns:dmarc-2.0 "
                    "with <version>1.0</version>: np, testing, discovery_method, "
                    "generator, human_result, a feedback-level <extension> and a "
                    "namespaced record-level extension element; disposition \"pass\". "
                    "First day the CRM service appears (rejected).", [r]))

    r = Report("webde", 8, ex, ["own1", "crm1", "ticket"], schema="dmarcbis",
               style={"version": "2.0", "discovery_method": "psl",
                      "omit": {"human_result"}})
    S.append(Sample("webde-dmarcbis-version-2.0-no-namespace.xml", "aggregate", render(r),
                    "DMARCbis elements without a namespace, recognised by "
                    "<version>2.0</version>; no human_result.", [r]))

    r = Report("mailboxorg", 9, news, ["esp1", "esp2"], schema="dmarcbis",
               style={"ns": "prefixed", "discovery_method": "treewalk",
                      "generator": "mailbox.org dmarc-report 1.9"})
    S.append(Sample("mailboxorg-dmarcbis-prefixed-namespace.xml", "aggregate", render(r),
                    "DMARCbis with a prefixed namespace: <dmarc:feedback "
                    "xmlns:dmarc=\"urn:ietf:params:xml:ns:dmarc-2.0\"> and every element "
                    "prefixed. news.example.com: the ESP fails SPF alignment (own "
                    "bounce domain) but passes aligned DKIM.", [r]))

    # ---- quirks (week 47) ---------------------------------------------------
    r = Report("orange", 10, ex, ["own1", "crm1", "ticket", "list"],
               style={"ids_tag": "identities", "version": "1.0",
                      "case": {"pass": "Pass", "fail": "Fail", "none": "None",
                               "reject": "REJECT", "quarantine": "Quarantine",
                               "softfail": "SoftFail", "mfrom": "MFROM"}})
    S.append(Sample("orange-identities-uppercase-values.xml", "aggregate", render(r),
                    "<identities> instead of <identifiers>; case variants \"Pass\", "
                    "\"Fail\", \"None\", \"REJECT\", \"Quarantine\", \"SoftFail\", "
                    "\"MFROM\" in verdicts and in p/sp.", [r]))

    r = Report("seznam", 11, ex, ["own1", "crm2", "invoice"],
               style={"fractional": (".0", ".999"), "org_text": "\n    Seznam.cz  \n  "})
    S.append(Sample("seznam-wrapped-report-id-fractional-dates.xml", "aggregate", render(r),
                    "report_id wrapped in angle brackets, written "
                    "&lt;...@mx.seznam.example&gt; (stored without them); fractional "
                    "timestamps \"...400.0\" and \"...799.999\" (truncated); org_name "
                    "surrounded by whitespace (stored trimmed).", [r]))

    # ---- containers ---------------------------------------------------------
    dup = Report("google", 1, ex, ["own1", "own2", "own6", "ticket", "invoice", "list", "fwd"],
                 style={"declaration": "google", "version": "1.0"})
    dup_gz = gz(render(dup))
    S.append(Sample(dup.file_name("xml.gz"), "aggregate", dup_gz,
                    "gzip (.xml.gz). The same bytes are attached to "
                    "mail-google-gzip-attachment-crlf.eml: the deliberate duplicate.",
                    [dup]))

    r = Report("yahoo", 8, ex, ["own1", "own2", "crm1", "crm2", "list_reject", "ticket"],
               style={"declaration": "utf-8"})
    xml = render(r)
    cut = xml.index(b"<record>", len(xml) // 2)
    S.append(Sample("yahoo-concatenated-gzip-members.xml.gz", "aggregate",
                    gz(xml[:cut]) + gz(xml[cut:]),
                    "Two gzip members back to back; the document is split between them "
                    "(inflate both and concatenate: one report).", [r]))

    r = Report("amazonses", 9, ex, ["own1", "crm1"], style={"declaration": "utf-8"})
    S.append(Sample("amazonses-double-gzip.xml.gz", "aggregate", gz(gz(render(r))),
                    "gzip inside gzip, though the name promises one layer.", [r]))

    r = Report("google", 2, news, ["esp1", "esp2"],
               style={"declaration": "google", "version": "1.0"})
    S.append(Sample(r.file_name("zip"), "aggregate",
                    make_zip([(r.file_name("xml"), render(r))]),
                    "zip with one member (the older Google form).", [r]))

    r1 = Report("mailru", 10, ex, ["own1", "crm1", "ticket"], style={"declaration": "utf-8"})
    r2 = Report("mailru", 10, news, ["esp1"], style={"declaration": "utf-8"})
    n1, n2 = r1.file_name("xml"), r2.file_name("xml")
    S.append(Sample("mailru-two-reports-with-macosx.zip", "aggregate",
                    make_zip([("reports/", b""),
                              (f"reports/{n1}", render(r1)),
                              (f"__MACOSX/reports/._{n1}", apple_double(n1)),
                              (f"reports/{n2}", render(r2)),
                              (f"__MACOSX/reports/._{n2}", apple_double(n2))]),
                    "zip made on a Mac: a folder entry, two reports (example.com and "
                    "news.example.com), and __MACOSX/._* AppleDouble members to skip.",
                    [r1, r2]))

    r = Report("zoho", 12, ex, ["own1", "crm2", "invoice"], style={"declaration": "utf-8"})
    S.append(Sample("zoho-empty-member-name.zip", "aggregate", make_zip([("", render(r))]),
                    "zip whose only member has an empty name.", [r]))

    r = Report("mimecast", 11, news, ["esp1", "esp2"], style={"declaration": "utf-8"})
    S.append(Sample("mimecast-raw-stream.zlib", "aggregate", zlib.compress(render(r), 9),
                    "Raw zlib stream (78 DA), no gzip header.", [r]))

    r = Report("outlook", 13, ex, ["own1", "own2", "own6", "crm1", "crm2", "ticket", "invoice"],
               style={"declaration": "outlook", "version": "1.0",
                      "record_hooks": [outlook_envelope_to]})
    S.append(Sample("outlook-gzip-misnamed.xml", "aggregate", gz(render(r)),
                    "The extension lies: gzip bytes in a file named .xml.", [r]))

    # ---- e-mails ------------------------------------------------------------
    S.append(Sample("mail-google-gzip-attachment-crlf.eml", "aggregate",
                    report_mail(dup, dup_gz, "application/gzip", dup.file_name("xml.gz"),
                                crlf=True, received=dup.end + 4 * 3600 + 723,
                                boundary="000000000000a1b2c3d4e5f60718"),
                    "CRLF e-mail, application/gzip attachment (base64). Exact duplicate "
                    f"of {dup.file_name('xml.gz')}: ingesting samples/ stores it once "
                    "and counts one duplicate.", [dup]))

    r = Report("google", 12, news, ["esp1", "esp2"],
               style={"declaration": "google", "version": "1.0"})
    S.append(Sample("mail-google-zip-attachment-lf.eml", "aggregate",
                    report_mail(r, make_zip([(r.file_name("xml"), render(r))]),
                                "application/zip", r.file_name("zip"), crlf=False,
                                received=r.end + 2 * 3600 + 41,
                                boundary="000000000000f3e2d1c0b9a89786"),
                    "LF e-mail, application/zip attachment.", [r]))

    r = Report("amazonses", 3, news, ["esp1", "esp2"], style={"declaration": "utf-8"})
    S.append(Sample("mail-amazonses-octet-stream.eml", "aggregate",
                    report_mail(r, gz(render(r)), "application/octet-stream",
                                r.file_name("xml.gz"), crlf=True,
                                received=r.end + 3600 + 1201,
                                boundary="----=_Part_1187563_20261113"),
                    "CRLF e-mail, the gzip attachment declared application/octet-stream "
                    "(name ends .xml.gz).", [r]))

    r = Report("mailboxorg", 5, ex, ["own1", "list"],
               style={"declaration": "utf-8",
                      "root_attrs": ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
                                    ' xsi:noNamespaceSchemaLocation="rua.xsd"'})
    S.append(Sample("mail-mailboxorg-inline-xml-quoted-printable.eml", "aggregate",
                    report_mail(r, render(r), "text/xml", r.file_name("xml"), crlf=False,
                                received=r.end + 5 * 3600 + 9, disposition="inline",
                                boundary="b1_mbo_5e1d07"),
                    "Uncompressed report as an inline text/xml part, quoted-printable "
                    "(every '=' written =3D, the long root line broken with a soft "
                    "line break).", [r]))

    r = Report("outlookcom", 9, ex, ["own1", "own6", "crm1", "ticket", "invoice"],
               style={"declaration": "outlook", "version": "1.0"})
    maildir_received = r.end + 4 * 3600 + 12 * 60 + 1
    S.append(Sample(f"maildir-{maildir_received}_M431P2207_mx1", "aggregate",
                    report_mail(r, gz(render(r)), "application/gzip", r.file_name("xml.gz"),
                                crlf=False, received=maildir_received,
                                boundary="_002_outlookcom_dmarc_",
                                extra_headers=[("X-MS-Exchange-Organization-Network-Message-Id",
                                                digest("ms", r.report_id)[:36])]),
                    "An RFC 822 message in a file with no extension (a Maildir-style "
                    "name), gzip attachment.", [r]))

    mbox_reports = [
        Report("google", 13, ex, ["own1", "own2", "own6", "crm1", "crm2", "ticket", "invoice",
                                  "list", "fwd"],
               style={"declaration": "google", "version": "1.0"}),
        Report("orange", 12, news, ["esp1", "esp2"], style={"declaration": "utf-8"}),
        Report("fastmail", 13, ex, ["own1", "crm2", "fwd"], style={"declaration": "utf-8"}),
    ]
    mbox_parts = []
    for i, rr in enumerate(mbox_reports):
        received = rr.end + (i + 2) * 3600 + 17
        if rr.reporter == "orange":
            att = make_zip([(rr.file_name("xml"), render(rr))])
            ctype, fname = "application/zip", rr.file_name("zip")
        else:
            att, ctype, fname = gz(render(rr)), "application/gzip", rr.file_name("xml.gz")
        human = None
        if rr.reporter == "fastmail":
            human = ("This is a DMARC aggregate report.\n"
                     ">From the report you can see who sends mail using your domain.\n")
        msg = report_mail(rr, att, ctype, fname, crlf=False, received=received,
                          boundary=f"mbox-boundary-{i + 1}", human_text=human)
        sep = f"From {rr.rep.email} {time.asctime(time.gmtime(received))}\n"
        mbox_parts.append(sep.encode() + msg + b"\n")
    S.append(Sample("rua-inbox.mbox", "aggregate", b"".join(mbox_parts),
                    "mbox file with three report e-mails (gzip, zip, gzip); one body line "
                    "is escaped as \">From\".", mbox_reports))

    # ---- not aggregate reports ----------------------------------------------
    S.append(Sample("forensic-arf-report.eml", "forensic", forensic_mail(),
                    "A DMARC failure (ruf) report: multipart/report; "
                    "report-type=feedback-report with a message/feedback-report part "
                    "(about a rejected CRM message). Recognised, not counted.", []))

    S.append(Sample("smtp-tls-report.json", "smtp_tls",
                    tls_report("Google Inc.", "smtp-tls-reporting@google.example", 7,
                               "2026-11-16T00:00:00Z_example.com", 1834,
                               [{"result-type": "certificate-expired",
                                 "sending-mta-ip": "2001:db8:ffff::7",
                                 "receiving-mx-hostname": "mx2.example.com",
                                 "receiving-ip": "192.0.2.26",
                                 "failed-session-count": 2}]),
                    "An SMTP TLS report (RFC 8460) as bare JSON. Recognised, not "
                    "counted.", []))

    tls = tls_report("Microsoft Corporation", "tlsrpt-noreply@microsoft.example", 9,
                     "133756416000000000+example.com", 912, [])
    tls_name = f"microsoft.example!example.com!{day_begin(9)}!{day_end(9)}.json.gz"
    boundary = "_tlsrpt_b7e1_"
    received = day_end(9) + 7 * 3600 + 3
    S.append(Sample("mail-smtp-tls-report.eml", "smtp_tls", build_mail([
        ("Date", mail_date(received)),
        ("From", "Microsoft TLS reports <tlsrpt-noreply@microsoft.example>"),
        ("To", "tls-reports@example.com"),
        ("Subject", "Report Domain: example.com Submitter: microsoft.example "
                    "Report-ID: <133756416000000000+example.com>"),
        ("Message-ID", "<tlsrpt-133756416000000000@microsoft.example>"),
        ("TLS-Report-Domain", "example.com"),
        ("TLS-Report-Submitter", "microsoft.example"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/report; report-type="tlsrpt"; boundary="{boundary}"'),
    ], boundary, [
        Part([("Content-Type", "text/plain; charset=us-ascii")],
             "This is an SMTP TLS report for example.com.\n"),
        Part([("Content-Type", f'application/tlsrpt+gzip; name="{tls_name}"'),
              ("Content-Disposition", f'attachment; filename="{tls_name}"'),
              ("Content-Transfer-Encoding", "base64")], b64_lines(gz(tls))),
    ]), "An SMTP TLS report e-mail: multipart/report; report-type=\"tlsrpt\" with an "
        "application/tlsrpt+gzip part. Recognised, not counted.", []))

    # ---- expected failures --------------------------------------------------
    r = Report("outlookcom", 10, ex, ["own1", "crm1"], style={"declaration": "outlook"})
    whole = gz(render(r))
    S.append(Sample("invalid/truncated.xml.gz", "failure", whole[: len(whole) // 2],
                    "A gzip stream cut in half (no end of stream, no trailer).", [],
                    failure="EOFError"))

    r = Report("outlookcom", 11, ex, ["own1", "crm2"],
               style={"declaration": "outlook", "omit": {"report_id"}})
    S.append(Sample("invalid/missing-report-id.xml", "failure", render(r),
                    "Well-formed report without report_metadata/report_id "
                    "(missing_field).", [], failure="report_metadata/report_id is missing"))

    r = Report("yahoo", 12, ex, ["own1", "crm1"], style={"declaration": "utf-8"})
    broken = render(r).replace(b"</policy_evaluated>", b"</policy_evaluted>", 1)
    S.append(Sample("invalid/not-well-formed.xml", "failure", broken,
                    "Not well-formed: the first </policy_evaluated> is misspelt "
                    "</policy_evaluted>.", [], failure="ParseError: mismatched tag"))

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
           b"\x00\x00\x00\x1f\xf3\xffa" + bytes(range(64)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    S.append(Sample("invalid/zip-with-png.zip", "failure", make_zip([("logo.png", png)]),
                    "zip whose only member is a PNG image, not XML.", [],
                    failure="no XML document"))
    return S


# --------------------------------------------------------------------------
# Expected values from the model
# --------------------------------------------------------------------------

def expected_row(sample: Sample) -> list[str]:
    if sample.kind != "aggregate":
        return [sample.path, sample.kind] + [""] * 11 + ["0"]
    reports = sample.reports
    texts = {"org": [], "id": [], "domain": [], "begin": [], "end": [], "schema": []}
    nums = [0, 0, 0, 0, 0]
    for r in reports:
        recs = r.records()
        texts["org"].append(r.rep.org)
        texts["id"].append(r.report_id)
        texts["domain"].append(r.domain)
        texts["begin"].append(str(r.begin))
        texts["end"].append(str(r.end))
        texts["schema"].append(r.schema)
        nums[0] += len(recs)
        nums[1] += sum(x.count for x in recs)
        nums[2] += sum(x.spf == "fail" for x in recs)
        nums[3] += sum(x.disposition == "reject" for x in recs)
        nums[4] += sum(x.disposition == "quarantine" for x in recs)
    join = "|".join
    return [sample.path, "aggregate", join(texts["org"]), join(texts["id"]),
            join(texts["domain"]), join(texts["begin"]), join(texts["end"]),
            *map(str, nums), join(texts["schema"]), str(len(reports))]


# --------------------------------------------------------------------------
# Independent check: read the written bytes back with the standard library
# --------------------------------------------------------------------------

class NotAReport(Exception):
    pass


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def unwrap(data: bytes) -> list[bytes]:
    """Every XML document inside data, by magic bytes; raises on corrupt containers."""
    if data[:2] == b"\x1f\x8b":
        return unwrap(gzip.decompress(data))
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        docs = []
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if info.filename.startswith("__MACOSX/") or base.startswith("._") \
                        or info.filename.endswith("/"):
                    continue
                docs += unwrap(zf.read(info))
        return docs
    if len(data) > 1 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        return unwrap(zlib.decompress(data))
    if data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return [data]
    return []


def facts(doc: bytes) -> dict:
    root = ET.fromstring(doc)  # raises ParseError when not well-formed
    if local(root.tag) != "feedback":
        raise NotAReport("root is not <feedback>")
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""

    def find(node, *path):
        for step in path:
            node = next((c for c in node if local(c.tag) == step), None)
            if node is None:
                return None
        return node

    def text(node, *path, required=True):
        found = find(node, *path)
        if found is None or not (found.text or "").strip():
            if required:
                raise NotAReport("/".join(path) + " is missing")
            return None
        return found.text.strip()

    version = text(root, "version", required=False)
    if ns in (NS_DMARCBIS, "http://dmarc.org/dmarc-xml/0.2") or (
            not ns and version and version.startswith("2")):
        schema = "dmarcbis"
    else:
        schema = "rfc7489"
    report_id = text(root, "report_metadata", "report_id")
    if report_id.startswith("<") and report_id.endswith(">"):
        report_id = report_id[1:-1]
    records = [e for e in root.iter() if local(e.tag) == "record"]

    def verdict(rec, what):
        return (text(rec, "row", "policy_evaluated", what, required=False) or "").lower()

    return {
        "org": text(root, "report_metadata", "org_name"),
        "id": report_id,
        "domain": text(root, "policy_published", "domain"),
        "begin": str(int(text(root, "report_metadata", "date_range", "begin").split(".")[0])),
        "end": str(int(text(root, "report_metadata", "date_range", "end").split(".")[0])),
        "records": len(records),
        "count": sum(int(text(rec, "row", "count")) for rec in records),
        "spf_fail": sum(verdict(rec, "spf") == "fail" for rec in records),
        "reject": sum(verdict(rec, "disposition") == "reject" for rec in records),
        "quarantine": sum(verdict(rec, "disposition") == "quarantine" for rec in records),
        "schema": schema,
    }


def mail_payloads(msg: email.message.Message) -> tuple[str, list[bytes]]:
    """Kind of a message and the decoded bytes of its candidate parts."""
    kind = "aggregate"
    if msg.get_content_type() == "multipart/report":
        rtype = (msg.get_param("report-type") or "").lower()
        if rtype == "feedback-report":
            kind = "forensic"
        elif rtype == "tlsrpt":
            kind = "smtp_tls"
    payloads = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            kind = "forensic"
        if ctype.startswith("application/tlsrpt"):
            kind = "smtp_tls"
        body = part.get_payload(decode=True) or b""
        if ctype in ("text/plain", "text/html") and not body.lstrip().startswith(b"<"):
            continue
        payloads.append(body)
    return kind, payloads


def read_back(path: Path) -> tuple[str, list[dict]]:
    data = path.read_bytes()
    messages = None
    if data.startswith(b"From "):
        messages = list(mailbox.mbox(str(path), create=False))
    elif data.split(b"\n", 1)[0].split(b":", 1)[0].replace(b"-", b"").isalnum() \
            and b":" in data.split(b"\n", 1)[0]:
        messages = [email.message_from_bytes(data, policy=email.policy.compat32)]
    try:
        if messages is not None:
            docs, kinds = [], set()
            for msg in messages:
                kind, payloads = mail_payloads(msg)
                kinds.add(kind)
                if kind == "aggregate":
                    for p in payloads:
                        docs += unwrap(p)
            if kinds != {"aggregate"}:
                return kinds.pop(), []
        elif data.lstrip().startswith(b"{"):
            obj = json.loads(data)
            return ("smtp_tls" if "policies" in obj and "organization-name" in obj
                    else "failure"), []
        else:
            docs = unwrap(data)
        if not docs:
            return "failure", [{"error": "no XML document"}]
        return "aggregate", [facts(d) for d in docs]
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, ET.ParseError,
            NotAReport, ValueError) as exc:
        return "failure", [{"error": f"{type(exc).__name__}: {exc}"}]


def check_row(path: Path) -> tuple[list[str], str]:
    """The EXPECTED row as read back, and the error text for a failure."""
    rel = path.relative_to(OUT).as_posix()
    kind, reports = read_back(path)
    if kind != "aggregate":
        error = reports[0]["error"] if reports else ""
        return [rel, kind] + [""] * 11 + ["0"], error
    join = lambda key: "|".join(str(f[key]) for f in reports)  # noqa: E731
    total = lambda key: str(sum(f[key] for f in reports))  # noqa: E731
    return [rel, kind, join("org"), join("id"), join("domain"), join("begin"), join("end"),
            total("records"), total("count"), total("spf_fail"), total("reject"),
            total("quarantine"), join("schema"), str(len(reports))], ""


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

README_HEAD = """\
# Sample reports

The project's own example inputs for `dmarcdb`: DMARC aggregate reports for
the fictional domain **example.com**, in every container and with every quirk
the parser has to handle, plus a few inputs that are not aggregate reports and
a few that must fail. `dmarcdb`'s demo ingests this folder; the tests pin the
values in `EXPECTED.tsv`.

Everything here is written by `make_samples.py`; do not edit the files by hand.

## The story

example.com publishes `v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=r;
fo=1`, and news.example.com has its own record with `p=quarantine`. The
reports cover two ISO weeks, 2026-W46 (2026-11-09 to 11-15) and 2026-W47
(11-16 to 11-22): one report per receiver per day, `begin` at 00:00:00 UTC and
`end` at 23:59:59 UTC. The senders behind the records:

| source | IP | what the reports show |
| --- | --- | --- |
| our own outbound servers | 192.0.2.10, 192.0.2.11, 2001:db8:5c::25 | SPF and DKIM pass and are aligned; disposition none (DMARCbis: pass) |
| marketing ESP for news.example.com | 198.51.100.20, .21 | SPF passes for `bounces.esp.example.net`, which is not aligned (policy_evaluated spf fail); the aligned DKIM signature `d=news.example.com` passes, so mail is delivered |
| CRM service, not in our SPF record | 203.0.113.50, .51 | **only in W47** (a new failing source): SPF fail, DKIM fail (`s=crm1`, no key published), disposition reject |
| ticketing system, `From: support.example.com` | 198.51.100.77 | SPF softfail, DKIM fail (body hash), disposition quarantine (sp=quarantine) |
| invoicing platform, envelope `billing.example.com` | 203.0.113.90 | SPF permerror (too many DNS lookups), no DKIM signature, disposition reject |
| forwarder (alumni.example.org) | 198.51.100.140 | SPF and DKIM fail; overrides `forwarded` and `local_policy`, disposition none |
| mailing list lists.example.org | 203.0.113.25 | two DKIM results (ours fails, the list's passes), SPF passes for the list's domain but is not aligned; `mailing_list` override and disposition none, except at Yahoo, which rejects |

So the weekly failure summary for W47 should name the CRM service as new and
rejected, the invoicing platform as rejected for an SPF permerror, the
ticketing system as quarantined, and the ESP, the forwarder and the mailing
list as failing SPF alignment without harm to delivery (except the list at
Yahoo). The message counts are a receiver's share of the traffic, so large
receivers (google.com, Enterprise Outlook) report more.

Names: reporter `org_name`s are the ones real receivers write ("google.com",
"Enterprise Outlook", "Mail.Ru", ...); every address, host and file-name
domain is reserved (`*.example`, example.com/.net/.org), every IP address is
from the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
and 2001:db8::/32.

## Deduplication

Every report identity (org_name, report_id, policy domain, date range)
appears once, except one deliberate exact duplicate:
`{dup}` is also attached, byte for byte, to
`mail-google-gzip-attachment-crlf.eml`. Ingesting the whole folder stores
that report once and reports one duplicate.

## Totals

Messages per week and source over the distinct aggregate reports in this
folder (the duplicate counted once, the files under invalid/ not at all;
DMARCbis "pass" counted as delivered):

"""

README_TAIL = """
## EXPECTED.tsv

One row per file (path relative to samples/), tab-separated, in path order:

| column | meaning |
| --- | --- |
| kind | `aggregate`, `forensic` (DMARC failure/ARF report), `smtp_tls` (RFC 8460 report), or `failure` (an expected ingest failure) |
| org_name, report_id, policy_domain | trimmed, entities decoded, windows-1252 text as UTF-8; report_id without a surrounding `<...>` |
| date_begin, date_end | UTC seconds since the epoch, fractions truncated |
| records, count_sum | number of `<record>` elements and the sum of their `<count>` |
| spf_fail_records | records whose `policy_evaluated/spf` is `fail` (case-insensitive) |
| reject_records, quarantine_records | records whose `policy_evaluated/disposition` is `reject` / `quarantine` (case-insensitive) |
| schema | `rfc7489` or `dmarcbis` |
| reports_in_file | aggregate reports found in the file |

A file holding several reports (a zip, an mbox) joins its text columns
(including the dates and the schema) with `|` in file order and sums its number
columns. For `forensic`, `smtp_tls` and `failure` rows the report columns are
empty and reports_in_file is 0.

## Regenerating

    python3 samples/make_samples.py

Python 3 standard library only. The script writes every sample, computes
EXPECTED.tsv from the records it generated, then reads every file back with an
independent reader (magic bytes, gzip/zipfile/zlib, the email and mailbox
modules, xml.etree) and stops with an error if anything disagrees, if an
expected failure parses, or if a report identity repeats. Output is
deterministic (fixed timestamps, gzip mtime 0, fixed zip dates and MIME
boundaries); compressed bytes can differ only with a different zlib build.
`.gitattributes` keeps git from touching line endings (the CRLF samples must
stay CRLF).
"""


SOURCE_LABELS = {
    "own1": "own servers", "own2": "own servers", "own6": "own servers",
    "esp1": "marketing ESP", "esp2": "marketing ESP", "crm1": "CRM service",
    "crm2": "CRM service", "ticket": "ticketing system", "invoice": "invoicing platform",
    "fwd": "forwarder", "list": "mailing list", "list_reject": "mailing list",
}


def weekly_totals(samples: list[Sample]) -> list[str]:
    """Messages per ISO week and source over the distinct reports."""
    seen, totals = set(), {}
    for s in samples:
        for r in s.reports:
            identity = (r.rep.org, r.report_id, r.domain, r.begin, r.end)
            if identity in seen:
                continue
            seen.add(identity)
            week = "2026-W46" if r.day < 7 else "2026-W47"
            for source, rec in zip(r.sources, r.records()):
                key = (week, SOURCE_LABELS[source])
                t = totals.setdefault(key, {"messages": 0, "spf_fail": 0, "none": 0,
                                            "quarantine": 0, "reject": 0})
                t["messages"] += rec.count
                t["spf_fail"] += rec.count if rec.spf == "fail" else 0
                disposition = "none" if rec.disposition == "pass" else rec.disposition
                t[disposition] += rec.count
    lines = ["| week | source | messages | SPF not aligned | delivered | quarantined | rejected |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    order = list(dict.fromkeys(SOURCE_LABELS.values()))
    for (week, label), t in sorted(totals.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1]))):
        lines.append(f"| {week} | {label} | {t['messages']} | {t['spf_fail']} | {t['none']} "
                     f"| {t['quarantine']} | {t['reject']} |")
    return lines


def write_readme(samples: list[Sample]) -> None:
    dup = next(s for s in samples if s.path.endswith(".xml.gz") and s.path.startswith("reports/google"))
    lines = [README_HEAD.format(dup=dup.path).rstrip("\n"), ""]
    lines += weekly_totals(samples)
    lines += ["", "## The files", ""]
    lines.append("| file | kind | reports | what it demonstrates |")
    lines.append("| --- | --- | --- | --- |")
    for s in sorted(samples, key=lambda s: s.path):
        who = ", ".join(f"{r.rep.org} {r.domain} {day_label(r.day)}" for r in s.reports)
        lines.append(f"| `{s.path}` | {s.kind} | {who or '-'} | {s.note.replace('|', '/')} |")
    (OUT / "README.md").write_text("\n".join(lines) + "\n" + README_TAIL, encoding="utf-8")


def day_label(day: int) -> str:
    return f"2026-11-{9 + day:02d}"


# --------------------------------------------------------------------------

def main() -> int:
    samples = build_samples()
    for s in samples:  # the data files live in samples/reports/
        s.path = "reports/" + s.path
    paths = [s.path for s in samples]
    assert len(paths) == len(set(paths)), "two samples share a path"

    # Remove earlier output that is no longer generated.
    keep = set(paths) | {"make_samples.py", "EXPECTED.tsv", "README.md", ".gitattributes"}
    for old in sorted(OUT.rglob("*")):
        rel = old.relative_to(OUT).as_posix()
        if old.is_file() and rel not in keep:
            old.unlink()

    for s in samples:
        target = OUT / s.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s.data)

    ordered = sorted(samples, key=lambda s: s.path)
    rows = [expected_row(s) for s in ordered]
    problems = []
    for s, row in zip(ordered, rows):
        got, error = check_row(OUT / row[0])
        if got != row:
            problems.append(f"{row[0]}:\n  model  {row}\n  reread {got}\n  {error}")
        if s.failure and s.failure not in error:
            problems.append(f"{s.path}: expected failure {s.failure!r}, got {error!r}")

    # Report identities: unique except the one deliberate duplicate.
    seen: dict[tuple, list[str]] = {}
    for s in samples:
        for r in s.reports:
            seen.setdefault((r.rep.org, r.report_id, r.domain, r.begin, r.end), []).append(s.path)
    repeats = {k: v for k, v in seen.items() if len(v) > 1}
    if len(repeats) != 1 or len(next(iter(repeats.values()))) != 2:
        problems.append(f"report identities repeat unexpectedly: {repeats}")

    # The CRM source is the new failing source of week 47.
    for s in samples:
        for r in s.reports:
            if any(src.startswith("crm") for src in r.sources) and r.day < WEEK_OF_CRM:
                problems.append(f"{s.path}: CRM record before week 47")

    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    with open(OUT / "EXPECTED.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(TSV_HEADER) + "\n")
        for row in rows:
            assert not any("\t" in c or "\n" in c for c in row)
            f.write("\t".join(row) + "\n")
    (OUT / ".gitattributes").write_text("* -text\n")
    write_readme(samples)

    total = sum(len(s.data) for s in samples)
    counts = {}
    for s in samples:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    reports = sum(len(s.reports) for s in samples)
    print(f"{len(samples)} files ({total} bytes): {counts}; {reports} aggregate reports "
          f"({reports - 1} distinct); read back and checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
