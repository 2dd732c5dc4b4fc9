"""SMS adapters: the log adapter keeps personal data out of the log; the HTTP adapter maps a
gateway's answers to sent / temporary failure / permanent rejection."""

import contextlib
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import ClassVar

import pytest

from hotline.notify import sms
from hotline.notify.sms import HttpGatewayAdapter, LogAdapter, SmsError, SmsRejected

PHONE = "13812348000"
BODY = "您的诉求已受理，工单号 20261122-0001，可凭工单号和手机号查询办理进度。"


class _Gateway(BaseHTTPRequestHandler):
    """A stand-in SMS gateway; the path chooses the answer."""

    answers: ClassVar[dict[str, tuple[int, dict]]] = {
        "/ok": (200, {"id": "gw-42"}),
        "/ok-without-id": (200, {"status": "queued"}),
        "/reject": (400, {"error": "invalid_number", "message": f"bad number {PHONE}"}),
        "/throttled": (429, {"error": "rate_limited"}),
        "/down": (503, {"error": "maintenance"}),
    }

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.requests.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(self.rfile.read(length))})
        if self.path == "/slow":
            self.server.release.wait(5)
            return
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, answer = self.answers[self.path]
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def gateway_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    server.daemon_threads = True
    server.requests = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def adapter(server, path, timeout=2.0):
    return HttpGatewayAdapter(server.base_url + path, "key-123", timeout=timeout)


def test_a_2xx_answer_returns_the_gateway_message_id(gateway_server):
    assert adapter(gateway_server, "/ok").send(PHONE, BODY) == "gw-42"
    [request] = gateway_server.requests
    assert request["json"] == {"phone": PHONE, "text": BODY, "sign": "【12345热线】"}
    assert request["headers"]["Authorization"] == "Bearer key-123"
    assert request["headers"]["Content-Type"].startswith("application/json")


def test_the_idempotency_key_is_sent_as_a_header_when_given(gateway_server):
    adapter(gateway_server, "/ok").send(PHONE, BODY, key="hotline-7-20261205093000000000")
    adapter(gateway_server, "/ok").send(PHONE, BODY)
    first, second = gateway_server.requests
    assert first["headers"]["Idempotency-Key"] == "hotline-7-20261205093000000000"
    assert "Idempotency-Key" not in second["headers"]


def test_a_2xx_answer_without_an_id_still_counts_as_sent(gateway_server):
    assert adapter(gateway_server, "/ok-without-id").send(PHONE, BODY) == ""


def test_a_4xx_answer_is_a_permanent_rejection_without_the_gateways_text(gateway_server):
    with pytest.raises(SmsRejected) as err:
        adapter(gateway_server, "/reject").send(PHONE, BODY)
    assert str(err.value) == "SMS gateway answered HTTP 400 (invalid_number)"


def test_a_5xx_answer_is_a_temporary_failure(gateway_server):
    with pytest.raises(SmsError, match="HTTP 503"):
        adapter(gateway_server, "/down").send(PHONE, BODY)


def test_throttling_is_a_temporary_failure_not_a_rejection(gateway_server):
    with pytest.raises(SmsError, match="HTTP 429"):
        adapter(gateway_server, "/throttled").send(PHONE, BODY)


def test_a_timeout_is_a_temporary_failure(gateway_server):
    with pytest.raises(SmsError, match="timeout"):
        adapter(gateway_server, "/slow", timeout=0.3).send(PHONE, BODY)


def test_an_unreachable_gateway_is_a_temporary_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsError, match="unreachable"):
        HttpGatewayAdapter(f"http://127.0.0.1:{port}/send", "key-123", timeout=1).send(PHONE, BODY)


def test_a_redirect_is_not_followed(gateway_server):
    with pytest.raises(SmsError, match="HTTP 302"):
        adapter(gateway_server, "/moved").send(PHONE, BODY)
    assert [r["path"] for r in gateway_server.requests] == ["/moved"]


def test_the_http_adapter_never_logs_the_phone_the_body_or_the_key(gateway_server, caplog):
    with caplog.at_level(logging.DEBUG):
        for path in ("/ok", "/ok-without-id", "/reject", "/down"):
            with contextlib.suppress(SmsError, SmsRejected):
                adapter(gateway_server, path).send(PHONE, BODY)
    logged = " ".join(r.getMessage() + repr(vars(r)) for r in caplog.records)
    assert PHONE not in logged and "20261122" not in logged and "key-123" not in logged
    assert "key-123" not in repr(adapter(gateway_server, "/ok"))


def test_the_log_adapter_logs_only_the_masked_phone_and_the_body_length(caplog):
    log_adapter = LogAdapter()
    with caplog.at_level(logging.DEBUG, logger="hotline.notify.sms"):
        message_id = log_adapter.send(PHONE, BODY)
    [record] = caplog.records
    logged = record.getMessage() + repr(vars(record))
    assert "138****8000" in logged and str(len(BODY)) in logged
    assert PHONE not in logged and "诉求" not in logged and "20261122" not in logged
    assert log_adapter.sent[-1].id == message_id
    assert (log_adapter.sent[-1].phone, log_adapter.sent[-1].body) == (PHONE, BODY)


def test_the_log_adapter_keeps_only_the_newest_messages():
    log_adapter = LogAdapter(keep=3)
    ids = [log_adapter.send(PHONE, f"message {i}") for i in range(5)]
    assert [m.id for m in log_adapter.sent] == ids[2:]


def test_the_adapter_is_chosen_by_the_settings():
    assert isinstance(sms.adapter_from_settings(SimpleNamespace()), LogAdapter)
    http = sms.adapter_from_settings(SimpleNamespace(
        sms_adapter="http", sms_url="https://sms.example/send", sms_api_key="k", sms_sign="【测试】",
        sms_timeout_seconds=2))
    assert isinstance(http, HttpGatewayAdapter)
    assert (http.url, http.sign, http.timeout) == ("https://sms.example/send", "【测试】", 2.0)
    assert http.dedupes is False  # a gateway is not assumed to honour Idempotency-Key
    assert sms.adapter_from_settings(SimpleNamespace(
        sms_adapter="http", sms_url="https://sms.example/send", sms_api_key="k", sms_gateway_dedupes=True)).dedupes


@pytest.mark.parametrize("settings", [
    SimpleNamespace(sms_adapter="http", sms_url=None, sms_api_key="k"),
    SimpleNamespace(sms_adapter="http", sms_url="https://sms.example/send", sms_api_key=None),
    SimpleNamespace(sms_adapter="http", sms_url="file:///etc/passwd", sms_api_key="k"),
    SimpleNamespace(sms_adapter="carrier-pigeon"),
])
def test_an_incomplete_or_unknown_sms_configuration_fails_fast(settings):
    with pytest.raises(ValueError, match="HOTLINE_SMS"):
        sms.adapter_from_settings(settings)


def test_a_test_can_install_a_fake_adapter_and_restore_the_default():
    fake = LogAdapter(keep=1)
    sms.set_adapter(fake)
    try:
        assert sms.get_adapter() is fake
    finally:
        sms.set_adapter(None)
    assert isinstance(sms.get_adapter(), LogAdapter) and sms.get_adapter() is not fake
