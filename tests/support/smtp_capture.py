"""A capturing SMTP server for the tests (run with /usr/bin/python3, Debian's
python3-aiosmtpd). Listens on 127.0.0.1:PORT, optionally with STARTTLS or
implicit TLS and required AUTH PLAIN/LOGIN; writes every accepted message to
DIR/msg-N/ (complete once the folder exists):

  envelope-from   the MAIL FROM address
  envelope-to     the RCPT TO addresses, one a line
  session         "tls=none|starttls|implicit" and "auth=<login or empty>"
  raw.eml         the message bytes as received
  header-names    the names of the top-level header fields, one a line
  subject         the Subject, RFC 2047 decoded (UTF-8)
  headers         every top-level field "Name: decoded value", one a line
  defects         the parser's complaints about the message, one a line
  part-N.type     content type of leaf part N ("text/plain")
  part-N.body     the decoded bytes of leaf part N

Writes DIR/ready when listening; stops on SIGTERM or SIGINT.
"""

import argparse
import email
import email.policy
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def write(folder, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(folder, name), mode) as f:
        f.write(data)


class Capture:
    def __init__(self, directory, implicit_tls, refused):
        self.directory = directory
        self.implicit_tls = implicit_tls
        self.refused = refused
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        final = os.path.join(self.directory, "msg-%d" % self.count)
        folder = final + ".partial"
        os.makedirs(folder)
        raw = envelope.original_content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        tls = "implicit" if self.implicit_tls else ("starttls" if server._tls_protocol else "none")
        login = getattr(session.auth_data, "login", None)
        user = login.decode() if isinstance(login, bytes) else ""
        write(folder, "envelope-from", envelope.mail_from + "\n")
        write(folder, "envelope-to", "".join(a + "\n" for a in envelope.rcpt_tos))
        write(folder, "session", "tls=%s\nauth=%s\n" % (tls, user))
        write(folder, "raw.eml", raw)
        write(folder, "header-names", "".join(k + "\n" for k in message.keys()))
        write(folder, "subject", str(message.get("Subject", "")))
        write(folder, "headers", "".join("%s: %s\n" % (k, v) for k, v in message.items()))
        defects = list(message.defects)
        for part in message.walk():
            defects += part.defects
        write(folder, "defects", "".join("%s\n" % type(d).__name__ for d in defects))
        leaves = [p for p in message.walk() if not p.is_multipart()]
        for n, part in enumerate(leaves, 1):
            write(folder, "part-%d.type" % n, part.get_content_type())
            write(folder, "part-%d.body" % n, part.get_payload(decode=True) or b"")
        os.rename(folder, final)
        return "250 OK queued"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", help="certificate (PEM) for --starttls / --implicit-tls")
    parser.add_argument("--key", help="private key (PEM)")
    parser.add_argument("--starttls", action="store_true", help="offer STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte")
    parser.add_argument("--auth", help="USER:PASSWORD required before MAIL")
    parser.add_argument("--refuse", action="append", default=[], help="recipient to refuse")
    args = parser.parse_args()

    context = None
    if args.starttls or args.implicit_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    kwargs = {}
    if args.starttls:
        kwargs["tls_context"] = context
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs["authenticator"] = Authenticator(user, password)
        kwargs["auth_required"] = True
        # Implicit TLS is not "STARTTLS done" for aiosmtpd; it is encrypted all the same.
        kwargs["auth_require_tls"] = args.starttls
    handler = Capture(args.dir, args.implicit_tls, set(args.refuse))
    controller = Controller(handler, hostname="127.0.0.1", port=args.port,
                            ssl_context=context if args.implicit_tls else None,
                            server_hostname="localhost", **kwargs)
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    controller.start()
    write(args.dir, "ready", "%d\n" % os.getpid())
    signal.sigwait(signals)
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
