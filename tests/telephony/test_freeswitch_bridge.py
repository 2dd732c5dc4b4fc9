"""The FreeSWITCH bridge against a fake event socket the test starts on 127.0.0.1: it
authenticates, subscribes, maps a queue call answered by an agent and transferred, an
abandoned call and a failed one onto our events (own ``seq`` per call) and posts them to the
running test application, which stores them."""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote

import pytest
from sqlalchemy import select

from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony.bridges import freeswitch
from hotline.telephony.bridges.freeswitch import Bridge, EslConnection, EslError, Mapper
from hotline.telephony.bridges.poster import EventPoster
from hotline.telephony.models import Call, CallEvent, Seat

T0 = 1_796_000_000_000_000  # microseconds since the epoch (2026-11-30)
CALLER, AGENT_LEG, OTHER, FAILED = "c0ffee01-0000-4000-8000-000000000001", "a9e27000-0000-4000-8000-00000000000a", \
    "c0ffee02-0000-4000-8000-000000000002", "c0ffee03-0000-4000-8000-000000000003"


def ev(name: str, seconds: float, **headers: str) -> dict[str, str]:
    return {"Event-Name": name, "Event-Date-Timestamp": str(T0 + int(seconds * 1e6)), **headers}


def cc(action: str, seconds: float, member: str, **headers: str) -> dict[str, str]:
    return ev("CUSTOM", seconds, **{"Event-Subclass": "callcenter::info", "CC-Action": action,
                                    "CC-Member-Session-UUID": member, **headers})


SCRIPT = [
    ev("CHANNEL_CREATE", 0, **{"Unique-ID": CALLER, "Call-Direction": "inbound",
                               "Caller-Caller-ID-Number": "13812348000", "Caller-Destination-Number": "12345"}),
    ev("DTMF", 6, **{"Unique-ID": CALLER, "DTMF-Digit": "1"}),
    cc("member-queue-start", 7, CALLER, **{"CC-Queue": "enterprise@default"}),
    ev("CHANNEL_CREATE", 15, **{"Unique-ID": AGENT_LEG, "Call-Direction": "outbound",
                                "Caller-Caller-ID-Number": "13812348000"}),  # the agent's leg: not a call
    cc("bridge-agent-start", 16, CALLER, **{"CC-Agent": "1001@default", "CC-Agent-UUID": AGENT_LEG}),
    ev("CHANNEL_EXECUTE", 60, **{"Unique-ID": AGENT_LEG, "Application": "att_xfer",
                                 "Application-Data": "sofia/gateway/sc/0830-12345"}),
    ev("CHANNEL_HANGUP_COMPLETE", 130, **{"Unique-ID": AGENT_LEG, "Hangup-Cause": "NORMAL_CLEARING"}),
    ev("CHANNEL_HANGUP_COMPLETE", 130, **{"Unique-ID": CALLER, "Hangup-Cause": "NORMAL_CLEARING",
                                          "variable_recording_url": "2026/12/06/c0ffee01.wav"}),
    ev("CHANNEL_CREATE", 200, **{"Unique-ID": OTHER, "Call-Direction": "inbound",
                                 "Caller-Caller-ID-Number": "13912345678", "Caller-Destination-Number": "12345"}),
    cc("member-queue-start", 210, OTHER, **{"CC-Queue": "general@default"}),
    ev("CHANNEL_HANGUP_COMPLETE", 250, **{"Unique-ID": OTHER, "Hangup-Cause": "ORIGINATOR_CANCEL"}),
    ev("CHANNEL_CREATE", 300, **{"Unique-ID": FAILED, "Call-Direction": "inbound",
                                 "Caller-Caller-ID-Number": "13912345679", "Caller-Destination-Number": "12345"}),
    ev("CHANNEL_HANGUP_COMPLETE", 301, **{"Unique-ID": FAILED, "Hangup-Cause": "NETWORK_OUT_OF_ORDER"}),
]


def _plain(event: dict[str, str]) -> bytes:
    body = "".join(f"{k}: {quote(v)}\n" for k, v in event.items()) + "\n"
    raw = body.encode()
    return f"Content-Length: {len(raw)}\nContent-Type: text/event-plain\n\n".encode() + raw


class FakeEsl:
    """A one-connection FreeSWITCH event socket: greets, checks the password, acknowledges
    the subscription, plays the script, closes."""

    def __init__(self, script: list[dict[str, str]], password: str = "ClueCon") -> None:  # noqa: S107 (the ESL default)
        self.script, self.password = script, password
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_command(self, reader) -> str:  # type: ignore[no-untyped-def]
        lines = []
        while True:
            line = reader.readline().decode().rstrip("\r\n")
            if not line and lines:
                return " ".join(lines)
            if line:
                lines.append(line)

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn, conn.makefile("rb") as reader:
            conn.sendall(b"Content-Type: auth/request\n\n")
            command = self._read_command(reader)
            self.commands.append(command)
            if command != f"auth {self.password}":
                conn.sendall(b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n")
                return
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
            self.commands.append(self._read_command(reader))
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n")
            for event in self.script:
                conn.sendall(_plain(event))
        self.server.close()


def test_the_mapper_turns_freeswitch_events_into_ours():
    mapper = Mapper(seats={"1001": "S001"}, recording_base="https://rec.example.cn/fs")
    ours = [e for event in SCRIPT for e in mapper.map(event)]
    first = [(e["seq"], e["type"]) for e in ours if e["call_id"] == CALLER]
    assert first == [(1, "offered"), (2, "ivr"), (3, "queued"), (4, "answered"), (5, "transferred"), (6, "ended")]
    by_type = {e["type"]: e for e in ours if e["call_id"] == CALLER}
    assert (by_type["offered"]["caller"], by_type["offered"]["called"]) == ("13812348000", "12345")
    assert by_type["ivr"]["digits"] == "1" and by_type["queued"]["queue"] == "enterprise"
    assert by_type["answered"]["seat"] == "S001"
    assert (by_type["transferred"]["to"], by_type["transferred"]["mode"], by_type["transferred"]["seat"]) == (
        "0830-12345", "three_way", "S001")
    assert by_type["ended"]["reason"] == "completed"
    assert by_type["ended"]["recording_url"] == "https://rec.example.cn/fs/2026/12/06/c0ffee01.wav"
    assert by_type["offered"]["at"] == "2026-11-30T00:53:20.000+00:00"
    assert [(e["type"], e.get("reason")) for e in ours if e["call_id"] == OTHER] == [
        ("offered", None), ("queued", None), ("ended", "abandoned")]
    assert [(e["type"], e.get("reason")) for e in ours if e["call_id"] == FAILED] == [
        ("offered", None), ("ended", "failed")]
    assert AGENT_LEG not in {e["call_id"] for e in ours} and mapper.calls == {} and mapper.legs == {}


def test_the_bridge_reads_the_event_socket_and_posts_to_the_platform(client, db, world):
    region_id = db.execute(select(Region.id).where(Region.code == "990100")).scalar_one()
    db.add(Seat(code="1001", kind="enterprise", region_id=region_id, created_at=clock.now()))
    db.commit()
    fake = FakeEsl(SCRIPT)
    poster = EventPoster("http://testserver", world.tokens["pbx"], client=client)
    bridge = Bridge("127.0.0.1", fake.port, "ClueCon", poster, batch_size=4, linger=0.05)
    bridge.run(once=True)
    fake.thread.join(5)
    assert fake.commands == ["auth ClueCon", f"event plain {freeswitch.SUBSCRIPTION}"]
    assert bridge.esl_events == len(SCRIPT) and bridge.errors == []
    assert poster.totals.accepted == 11 and poster.totals.rejected == 0 and poster.totals.batches >= 3
    db.expire_all()
    call = db.execute(select(Call).where(Call.call_id == CALLER)).scalar_one()
    assert (call.enterprise, call.three_way, call.end_reason, call.wait_s, call.talk_s) == (
        True, 1, "completed", 9.0, 114.0)
    types = db.execute(select(CallEvent.type).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)).scalars()
    assert list(types) == ["offered", "ivr", "queued", "answered", "transferred", "ended"]
    other = db.execute(select(Call).where(Call.call_id == OTHER)).scalar_one()
    assert (other.end_reason, other.wait_s, other.answered_at) == ("abandoned", 40.0, None)


def test_a_wrong_password_stops_the_bridge():
    fake = FakeEsl([], password="secret")
    esl = EslConnection.open("127.0.0.1", fake.port)
    with pytest.raises(EslError, match="auth refused"):
        esl.login("ClueCon")
    esl.close()
