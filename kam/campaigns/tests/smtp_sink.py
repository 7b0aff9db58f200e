"""A local SMTP server (aiosmtpd) that counts deliveries by Message-ID, for tests and bench/."""

import email
import socket
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Handler:
    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        #: address -> SMTP reply for RCPT TO, e.g. "451 4.3.0 try later" or "550 no such user"
        self.refuse: dict[str, str] = {}
        #: drop the connection after accepting the data (the reply is lost on the way)
        self.drop_after_data = False
        #: SMTP sessions opened, by client port (to see that a worker reuses its connection)
        self.connections: Counter[int] = Counter()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections[session.peer[1]] += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        self.deliveries[str(message["Message-ID"])] += 1
        for address in envelope.rcpt_tos:
            self.recipients[address] += 1
        if self.drop_after_data:
            server.transport.abort()
            return "250 OK"
        return "250 OK"


class Sink:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def deliveries(self) -> Counter[str]:
        return self.handler.deliveries
