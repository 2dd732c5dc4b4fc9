"""FreeSWITCH bridge: reads a FreeSWITCH's events over its event socket (ESL, inbound mode:
the bridge connects to ``mod_event_socket``) and posts them as our call events
(docs/cti-pbx.md).

The ESL protocol is plain text over TCP: messages are header blocks (``Name: value`` lines
ending with an empty line), followed by a body of ``Content-Length`` bytes when that header
is present. The server greets with ``Content-Type: auth/request``; the client sends
``auth <password>`` and ``event plain <names>``; from then on each event arrives as a
``text/event-plain`` message whose body is itself a header block with URL-encoded values.

The mapping (:class:`Mapper`, pure — no I/O) follows the caller's channel (``Unique-ID`` of
the inbound leg, our ``call_id``) with mod_callcenter:

=====================================================  =======================================
FreeSWITCH event                                       our event
=====================================================  =======================================
CHANNEL_CREATE, ``Call-Direction: inbound``            ``offered`` (caller, called)
DTMF on the caller's channel                           ``ivr`` (``DTMF-Digit``)
CUSTOM callcenter::info ``member-queue-start``         ``queued`` (``CC-Queue`` without @domain)
CUSTOM callcenter::info ``bridge-agent-start``         ``answered`` (``CC-Agent`` → seat)
CHANNEL_EXECUTE ``transfer``/``blind_xfer``            ``transferred`` blind (to = destination)
CHANNEL_EXECUTE ``att_xfer``/``three_way``/``conference``  ``transferred`` three_way
CHANNEL_HANGUP_COMPLETE of the caller's channel        ``ended`` (reason from the hangup cause
                                                       and whether an agent answered;
                                                       recording from a channel variable)
=====================================================  =======================================

Each call gets its own ``seq`` counter. Events are posted in small batches by a sender
thread with retry and back-off (:class:`~hotline.telephony.bridges.poster.EventPoster`), so
a slow platform never stalls the socket; the ESL connection is re-opened with back-off when
it drops."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from hotline.kit import clock
from hotline.telephony.bridges.poster import EventPoster, Refused

log = logging.getLogger(__name__)

#: The events the bridge subscribes to.
SUBSCRIPTION = "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_EXECUTE CHANNEL_HANGUP_COMPLETE DTMF CUSTOM callcenter::info"
BLIND = frozenset({"transfer", "blind_xfer", "deflect"})
THREE_WAY = frozenset({"att_xfer", "three_way", "conference"})
#: Hang-up causes that mean the line or the network failed (the call never really reached us).
FAILED_CAUSES = frozenset({"NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE",
                           "SWITCH_CONGESTION", "RECOVERY_ON_TIMER_EXPIRE", "INCOMPATIBLE_DESTINATION",
                           "BEARERCAPABILITY_NOTAVAIL", "SERVICE_UNAVAILABLE", "CHAN_NOT_IMPLEMENTED"})
TIMEOUT_CAUSES = frozenset({"ALLOTTED_TIMEOUT", "MEDIA_TIMEOUT", "PROGRESS_TIMEOUT"})


class EslError(Exception):
    """The event socket refused us (wrong password, unknown command) or closed."""


def parse_headers(block: str, *, decode: bool = False) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            value = value.strip()
            headers[name.strip()] = unquote(value) if decode else value
    return headers


class EslConnection:
    """One inbound event-socket connection: read messages, send commands."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    @classmethod
    def open(cls, host: str, port: int, *, timeout: float = 10.0) -> EslConnection:
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.settimeout(None)
        return cls(sock)

    def read(self) -> tuple[dict[str, str], str]:
        """The next message: its headers and its body (empty when none)."""
        lines: list[str] = []
        while True:
            raw = self.reader.readline()
            if not raw:
                raise EslError("the event socket closed")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                if lines:
                    break
                continue
            lines.append(line)
        headers = parse_headers("\n".join(lines))
        length = int(headers.get("Content-Length", "0") or 0)
        body = self.reader.read(length).decode("utf-8", "replace") if length else ""
        if length and len(body.encode()) < length:
            raise EslError("the event socket closed inside a message")
        return headers, body

    def command(self, text: str) -> dict[str, str]:
        """Send a command; its ``command/reply`` (events arriving before it are skipped: none
        are subscribed yet while we authenticate and subscribe)."""
        self.sock.sendall(text.encode() + b"\n\n")
        while True:
            headers, _ = self.read()
            if headers.get("Content-Type") == "command/reply":
                return headers

    def login(self, password: str, subscription: str = SUBSCRIPTION) -> None:
        headers, _ = self.read()
        if headers.get("Content-Type") != "auth/request":
            raise EslError(f"unexpected greeting {headers.get('Content-Type')!r}")
        reply = self.command(f"auth {password}")
        if not reply.get("Reply-Text", "").startswith("+OK"):
            raise EslError(f"auth refused: {reply.get('Reply-Text', '')}")
        reply = self.command(f"event plain {subscription}")
        if not reply.get("Reply-Text", "").startswith("+OK"):
            raise EslError(f"subscription refused: {reply.get('Reply-Text', '')}")

    def events(self) -> Any:
        """Every event (its decoded headers) until the socket closes."""
        while True:
            headers, body = self.read()
            kind = headers.get("Content-Type")
            if kind == "text/event-plain" and body:
                head, _, rest = body.partition("\n\n")
                event = parse_headers(head, decode=True)
                if rest:
                    event["_body"] = rest
                yield event
            elif kind == "text/disconnect-notice":
                raise EslError("the event socket said goodbye")

    def close(self) -> None:
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass


def _strip_domain(name: str) -> str:
    return name.split("@", 1)[0]


def _at(event: dict[str, str]) -> str:
    """The event's instant (FreeSWITCH stamps microseconds since the epoch), else now."""
    micros = event.get("Event-Date-Timestamp", "")
    try:
        at = dt.datetime.fromtimestamp(int(micros) / 1e6, dt.UTC) if micros.isascii() and micros.isdigit() \
            else clock.now()
    except (OverflowError, OSError, ValueError):
        at = clock.now()
    return at.isoformat(timespec="milliseconds")


@dataclass
class _Call:
    call_id: str
    seq: int = 0
    queued: bool = False
    seat: str | None = None
    legs: set[str] = field(default_factory=set)


class Mapper:
    """FreeSWITCH events → our call events, one call per caller's channel.

    ``seats`` maps a mod_callcenter agent name (without domain) to our seat code when they
    differ; ``recording_var`` names the channel variable holding the recording's address,
    ``recording_base`` prefixes it when it is a path."""

    def __init__(self, *, seats: dict[str, str] | None = None, recording_var: str = "recording_url",
                 recording_base: str | None = None) -> None:
        self.seats = seats or {}
        self.recording_var = recording_var
        self.recording_base = recording_base.rstrip("/") if recording_base else None
        self.calls: dict[str, _Call] = {}
        self.legs: dict[str, str] = {}  # an agent's channel → the caller's channel

    def _emit(self, call: _Call, type_: str, event: dict[str, str], **data: Any) -> dict[str, Any]:
        call.seq += 1
        return {"call_id": call.call_id, "seq": call.seq, "type": type_, "at": _at(event),
                **{k: v for k, v in data.items() if v not in (None, "")}}

    def _call_of(self, event: dict[str, str]) -> _Call | None:
        for name in ("CC-Member-Session-UUID", "Unique-ID", "Other-Leg-Unique-ID",
                     "variable_cc_member_session_uuid"):
            uuid = event.get(name)
            if uuid:
                uuid = self.legs.get(uuid, uuid)
                if uuid in self.calls:
                    return self.calls[uuid]
        return None

    def _recording(self, event: dict[str, str]) -> str | None:
        value = event.get(f"variable_{self.recording_var}") or ""
        if not value:
            return None
        if value.startswith(("http://", "https://")):
            return value
        if self.recording_base:
            return f"{self.recording_base}/{value.lstrip('/')}"
        return None

    def _reason(self, call: _Call, cause: str) -> str:
        if call.seat is not None:
            return "completed"
        if cause in FAILED_CAUSES:
            return "failed"
        if cause in TIMEOUT_CAUSES:
            return "timeout"
        return "abandoned"

    def map(self, event: dict[str, str]) -> list[dict[str, Any]]:
        """Our events for one FreeSWITCH event (none for those that concern no caller)."""
        name = event.get("Event-Name", "")
        uuid = event.get("Unique-ID", "")
        call: _Call | None
        if name == "CHANNEL_CREATE":
            if event.get("Call-Direction") != "inbound" or not uuid or uuid in self.calls or uuid in self.legs:
                return []
            new = self.calls[uuid] = _Call(uuid)
            return [self._emit(new, "offered", event, caller=event.get("Caller-Caller-ID-Number"),
                               called=event.get("Caller-Destination-Number"))]
        if name == "DTMF":
            call = self.calls.get(uuid)
            digit = event.get("DTMF-Digit", "")
            if call is None or call.seat is not None or not digit:
                return []
            return [self._emit(call, "ivr", event, digits=digit)]
        if name == "CUSTOM" and event.get("Event-Subclass") == "callcenter::info":
            call = self._call_of(event)
            action = event.get("CC-Action", "")
            if call is None:
                return []
            if action == "member-queue-start" and not call.queued:
                call.queued = True
                return [self._emit(call, "queued", event, queue=_strip_domain(event.get("CC-Queue", "")) or None)]
            if action == "bridge-agent-start" and call.seat is None:
                agent = _strip_domain(event.get("CC-Agent", ""))
                call.seat = self.seats.get(agent, agent)
                leg = event.get("CC-Agent-UUID")
                if leg:
                    self.legs[leg] = call.call_id
                    call.legs.add(leg)
                return [self._emit(call, "answered", event, seat=call.seat)]
            return []
        if name == "CHANNEL_EXECUTE":
            app = event.get("Application", "")
            if app not in BLIND and app not in THREE_WAY:
                return []
            call = self._call_of(event)
            if call is None or call.seat is None:
                return []
            words = [w for w in (event.get("Application-Data") or "").split() if not w.startswith("-")]
            to = _strip_domain(words[0].split("/")[-1]) if words else ""
            to = to or "unknown"
            return [self._emit(call, "transferred", event, seat=call.seat, to=to[:100],
                               mode="blind" if app in BLIND else "three_way")]
        if name == "CHANNEL_HANGUP_COMPLETE":
            call = self.calls.pop(uuid, None)
            if call is None:
                return []
            for leg in call.legs:
                self.legs.pop(leg, None)
            return [self._emit(call, "ended", event, reason=self._reason(call, event.get("Hangup-Cause", "")),
                               recording_url=self._recording(event) if call.seat else None)]
        return []


class Bridge:
    """Connect to the event socket, map its events and post them in batches until stopped
    (or, with ``once``, until the socket closes the first time)."""

    def __init__(self, host: str, port: int, password: str, poster: EventPoster, *, mapper: Mapper | None = None,
                 batch_size: int = 50, linger: float = 0.3,
                 connect: Callable[[str, int], EslConnection] = EslConnection.open) -> None:
        self.host, self.port, self.password = host, port, password
        self.poster, self.mapper = poster, mapper or Mapper()
        self.batch_size, self.linger = batch_size, linger
        self.connect = connect
        self.outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stopped = threading.Event()
        self.esl_events = 0
        self.errors: list[str] = []

    def _send_loop(self) -> None:
        done = False
        while not done:
            item = self.outbox.get()
            if item is None:
                break
            batch = [item]
            deadline = time.monotonic() + self.linger
            while len(batch) < self.batch_size:
                try:
                    nxt = self.outbox.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if nxt is None:
                    done = True
                    break
                batch.append(nxt)
            try:
                self.poster.post(batch)
            except Refused as exc:
                self.errors.append(str(exc))
                log.error("the platform refused a batch of %d events: %s", len(batch), exc)
            except Exception as exc:  # the platform is gone for good: log it and keep reading the socket
                self.errors.append(repr(exc))
                log.error("could not post a batch of %d events: %r", len(batch), exc)

    def stop(self) -> None:
        self.stopped.set()

    def run(self, *, once: bool = False) -> None:
        sender = threading.Thread(target=self._send_loop, name="fs-bridge-sender", daemon=True)
        sender.start()
        delay = 1.0
        try:
            while not self.stopped.is_set():
                try:
                    esl = self.connect(self.host, self.port)
                except OSError as exc:
                    if once:
                        raise
                    log.warning("cannot reach the event socket %s:%s (%s); retrying in %.0f s", self.host,
                                self.port, exc, delay)
                    self.stopped.wait(delay)
                    delay = min(delay * 2, 60.0)
                    continue
                try:
                    esl.login(self.password)
                    delay = 1.0
                    for event in esl.events():
                        self.esl_events += 1
                        for ours in self.mapper.map(event):
                            self.outbox.put(ours)
                        if self.stopped.is_set():
                            break
                except EslError as exc:
                    if "auth refused" in str(exc) or "subscription refused" in str(exc):
                        raise
                    log.warning("event socket: %s", exc)
                finally:
                    esl.close()
                if once:
                    break
                self.stopped.wait(delay)
        finally:
            self.outbox.put(None)
            sender.join()
