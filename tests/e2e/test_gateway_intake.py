"""Leads over HTTP: tokens and scopes, the three intake formats, replays, Idempotency-Key
(what the door refuses: test_gateway_intake_refused)."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from standardwebhooks.webhooks import Webhook

from crm_shared.machinery.db import asyncpg_dsn
from gateway.domain.idempotency import fingerprint
from tests.gateway_support import door
from tests.support import Client, eventually


async def _stored_leads(client: Client) -> int:
    return int((await client.js.stream_info("CRM_LEADS")).state.messages)


async def _deals_named(client: Client, name: str) -> list[dict[str, Any]]:
    return [d for d in await client.deals() if (d.get("contact") or {}).get("name") == name]


async def _one_deal(client: Client, name: str) -> dict[str, Any]:
    [deal] = await eventually(lambda: _deals_named(client, name))
    return deal


async def test_a_json_lead_becomes_a_deal_once(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        made = await d.token("crm-site", ["leads:write"])
        auth = {"Authorization": f"Bearer {made.token}"}
        contact = {"name": "Анна Json", "phone": "+79123456789"}
        lead = {"external_id": "j-1", "contact": contact, "amount": 1500.5}  # a JSON number
        async with d.client(headers=auth) as http:
            first = await http.post("/api/leads", json=lead)
            assert first.status_code == 202, first.text
            assert first.json()["source"] == "crm-site" and first.json()["duplicate"] is False
            deal = await _one_deal(client, "Анна Json")
            assert deal["source"] == "crm-site" and deal["external_id"] == "j-1"
            assert deal["amount"] == "1500.50"
            again = await http.post("/api/leads", json=lead)
            assert again.status_code == 202
            # within the stream's duplicate window the answer says it was a repeat
            assert again.json()["duplicate"] is True
            assert again.json()["sequence"] == first.json()["sequence"]
            # A token with leads:write only cannot read the funnel.
            assert (await http.get("/api/deals")).status_code == 403
            assert (await http.get(f"/api/deals/{deal['id']}")).status_code == 403
            assert (await http.get("/api/events")).status_code == 403
        await eventually(lambda: _seen_two(client))
        assert len(await _deals_named(client, "Анна Json")) == 1
        # The integrator reads its lead's deal back by the key the answer gave (a walkthrough
        # found no way but a phone search), with a token that may read.
        reader = await d.token("crm-site-read", ["deals:read"], owner="rop-1")
        async with d.client(headers={"Authorization": f"Bearer {reader.token}"}) as http:
            key = {"source": "crm-site", "external_id": "j-1"}
            found = (await http.get("/api/deals", params=key)).json()
            assert [x["id"] for x in found["items"]] == [deal["id"]], found
            none = await http.get("/api/deals", params={**key, "external_id": "j-2"})
            assert none.json()["items"] == []
            half = await http.get("/api/deals", params={"external_id": "j-1"})
            assert half.status_code == 400, half.text
        # ... and another manager's token finds nothing by it (their scope, as every list)
        other = "mgr-2" if deal["responsible_id"] == "mgr-1" else "mgr-1"
        theirs = await d.token("crm-site-other", ["deals:read"], owner=other)
        async with d.client(headers={"Authorization": f"Bearer {theirs.token}"}) as http:
            assert (await http.get("/api/deals", params=key)).json()["items"] == []


async def _seen_two(client: Client) -> bool:
    # the replay reached the stream or was dropped by its duplicate window: either way,
    # deal-service has handled everything there is
    info = await client.js.consumer_info("CRM_LEADS", "deal-service-leads")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_tilda_form(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        made = await d.token("tilda-site", ["leads:write"], format="tilda")
        form = {
            "Name": "Пётр Тильда",
            "Phone": "+7 912 345-67-80",
            "Email": "petr@example.com",
            "tranid": "1234567:890",
            "formid": "form1",
            "Comment": "перезвоните",
        }
        async with d.client() as http:
            url = f"/intake/tilda-site?token={made.token}"
            check = await http.post(url, data={"test": "test"})
            assert check.status_code == 200 and check.text == "ok"
            reply = await http.post(url, data=form)
            assert reply.status_code == 200 and reply.text == "ok"
            deal = await _one_deal(client, "Пётр Тильда")
            assert deal["external_id"] == "1234567:890"
            assert deal["contact"]["email"] == "petr@example.com"
            assert (await http.post(url, data=form)).text == "ok"  # Tilda retries
            # A token of another source, or none, publishes nothing.
            before = await _stored_leads(client)
            other = await d.token("other", ["leads:write"], format="tilda")
            stolen = await http.post(f"/intake/tilda-site?token={other.token}", data=form)
            assert stolen.status_code == 403
            # said plainly (it read "the source 'tilda-site''s", a walkthrough)
            said = stolen.json()["error"]["message"]
            assert said == "this token is not the token of source 'tilda-site'", said
            assert (await http.post("/intake/tilda-site", data=form)).status_code == 401
            assert (await http.post("/intake/nowhere", data=form)).status_code == 403
            assert await _stored_leads(client) == before
        await eventually(lambda: _seen_two(client))
        assert len(await _deals_named(client, "Пётр Тильда")) == 1


async def test_bitrix24_crm_lead_add(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        made = await d.token("b24", ["leads:write"], format="bitrix24")
        body = {
            "fields[TITLE]": "Заявка с сайта",
            "fields[NAME]": "Олег",
            "fields[LAST_NAME]": "Битриксов",
            "fields[PHONE][0][VALUE]": "+7 912 000-11-22",
            "fields[PHONE][0][VALUE_TYPE]": "WORK",
            "fields[EMAIL][0][VALUE]": "oleg@example.com",
            "fields[COMMENTS]": "нужно 20 коробок",
            "fields[ORIGIN_ID]": "b24-77",
        }
        async with d.client(headers={"Authorization": f"Bearer {made.token}"}) as http:
            reply = await http.post("/intake/b24", data=body)
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"result": "b24-77"}
            deal = await _one_deal(client, "Олег Битриксов")
            assert deal["title"] == "Заявка с сайта"
            assert deal["contact"]["phone"] == "+79120001122"
            # the same lead as a JSON body is the same lead
            as_json = {"fields": {"NAME": "Олег", "LAST_NAME": "Битриксов", "ORIGIN_ID": "b24-77"}}
            assert (await http.post("/intake/b24", json=as_json)).status_code == 200
        await eventually(lambda: _seen_two(client))
        assert len(await _deals_named(client, "Олег Битриксов")) == 1


def _signed(secret: str, body: bytes, msg_id: str, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, at, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def test_standard_webhooks_signed_json(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        made = await d.token("forms", ["leads:write"], format="standard_webhooks")
        assert made.webhook_secret is not None
        secret = made.webhook_secret
        body = json.dumps({"contact": {"name": "Сигнал Подписанный"}}).encode()
        async with d.client() as http:
            before = await _stored_leads(client)
            forged = _signed("whsec_" + base64.b64encode(os.urandom(32)).decode(), body, "m-1")
            bad = await http.post("/intake/forms", content=body, headers=forged)
            assert bad.status_code == 401
            old = _signed(secret, body, "m-1", datetime.fromtimestamp(time.time() - 600, UTC))
            assert (await http.post("/intake/forms", content=body, headers=old)).status_code == 401
            assert await _stored_leads(client) == before  # nothing was published

            good = await http.post(
                "/intake/forms", content=body, headers=_signed(secret, body, "m-1")
            )
            assert good.status_code == 202, good.text
            deal = await _one_deal(client, "Сигнал Подписанный")
            assert deal["external_id"] == "m-1"  # the webhook id is the sender's own id
            replay = await http.post(
                "/intake/forms", content=body, headers=_signed(secret, body, "m-1")
            )
            assert replay.status_code == 202
        await eventually(lambda: _seen_two(client))
        assert len(await _deals_named(client, "Сигнал Подписанный")) == 1


async def test_a_signed_replay_with_a_new_idempotency_key_is_the_same_lead(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d:
        made = await d.token("signed", ["leads:write"], format="standard_webhooks")
        assert made.webhook_secret is not None
        body = json.dumps({"external_id": "body-7", "contact": {"name": "Повтор"}}).encode()
        headers = _signed(made.webhook_secret, body, "wh-9")
        async with d.client() as http:
            before = await _stored_leads(client)
            first = await http.post(
                "/intake/signed", content=body, headers={**headers, "Idempotency-Key": "a"}
            )
            assert first.status_code == 202, first.text
            assert first.json()["external_id"] == "wh-9"  # the signed id, not the body's
            for key in ("b", "c"):  # replayed within the window with fresh (unsigned) keys
                again = await http.post(
                    "/intake/signed", content=body, headers={**headers, "Idempotency-Key": key}
                )
                assert again.status_code == 202
                assert again.headers["idempotent-replayed"] == "true"
            assert await _stored_leads(client) == before + 1  # published once
        deal = await _one_deal(client, "Повтор")
        assert deal["external_id"] == "wh-9"
        await eventually(lambda: _seen_two(client))
        assert len(await _deals_named(client, "Повтор")) == 1


async def test_idempotency_key_rules(clean: Any, client: Client) -> None:
    async with door(clean, services=False) as d:
        made = await d.token("keyed", ["leads:write"])
        auth = {"Authorization": f"Bearer {made.token}"}
        async with d.client(headers=auth) as http:
            body = json.dumps({"contact": {"name": "Ключ"}}).encode()
            headers = {"Idempotency-Key": "k-1", "content-type": "application/json"}
            first = await http.post("/api/leads", content=body, headers=headers)
            assert first.status_code == 202
            assert first.json()["external_id"] == "k-1"  # the key names a lead without an id
            stored = await _stored_leads(client)
            again = await http.post("/api/leads", content=body, headers=headers)
            assert again.status_code == 202 and again.content == first.content
            assert again.headers["Idempotent-Replayed"] == "true"
            other = json.dumps({"contact": {"name": "Другой"}}).encode()
            reused = await http.post("/api/leads", content=other, headers=headers)
            assert reused.status_code == 422
            assert reused.json()["error"]["code"] == "idempotency_key_reused"
            assert await _stored_leads(client) == stored

            # A retry while the first request with that key is still being handled.
            conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
            try:
                await conn.execute(
                    "INSERT INTO gateway.idempotency (scope, key, fingerprint) VALUES ($1, $2, $3)",
                    f"token:{made.integration.id}",
                    "k-2",
                    fingerprint("POST", "/api/leads", body),
                )
            finally:
                await conn.close()
            busy = await http.post(
                "/api/leads", content=body, headers={**headers, "Idempotency-Key": "k-2"}
            )
            assert busy.status_code == 409
            assert busy.json()["error"]["code"] == "in_flight"
            assert await _stored_leads(client) == stored


async def test_a_rop_makes_and_revokes_tokens_over_http(clean: Any, client: Client) -> None:
    async with (
        door(clean, services=False) as d,
        d.as_user("rop-1") as rop,
        d.as_user("mgr-1") as mgr,
    ):
        want = {"name": "shop", "scopes": ["leads:write"], "rate_per_second": 5, "burst": 5}
        assert (await mgr.post("/api/tokens", json=want)).status_code == 403
        made = await rop.post("/api/tokens", json=want)
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        assert token.startswith("crm_") and made.json()["webhook_secret"] is None
        assert (await rop.post("/api/tokens", json=want)).status_code == 409  # name taken
        bad = await rop.post("/api/tokens", json={**want, "name": "x", "scopes": ["all"]})
        assert bad.status_code == 400
        listed = (await rop.get("/api/tokens")).json()
        assert [t["name"] for t in listed] == ["shop"] and "secret_hash" not in listed[0]
        async with d.client(headers={"Authorization": f"Bearer {token}"}) as shop:
            lead = {"external_id": "t-1", "contact": {"name": "Токен"}}
            assert (await shop.post("/api/leads", json=lead)).status_code == 202
            assert (await shop.get("/api/tokens")).status_code == 403  # a token manages none
            assert (await rop.delete("/api/tokens/shop")).status_code == 204
            revoked = await shop.post("/api/leads", json=lead)
            assert revoked.status_code == 401  # RFC 6750: a credential the door does not know
            assert revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert revoked.json()["error"]["params"] == {"reason": "token"}
            assert (await rop.delete("/api/tokens/shop")).status_code == 404


async def test_intake_is_counted_by_source_and_outcome(clean: Any, client: Client) -> None:
    """crm_intake_total{source, outcome}: what the operations dashboard and alerts read."""
    async with door(clean, services=False) as d:
        made = await d.token("crm-site", ["leads:write"])
        auth = {"Authorization": f"Bearer {made.token}"}
        async with d.client(headers=auth) as http:
            lead = {"external_id": "m-1", "contact": {"name": "Счёт"}}
            assert (await http.post("/intake/crm-site", json=lead)).status_code == 202
            assert (await http.post("/intake/crm-site", content=b"{")).status_code == 400
            assert (await http.post("/intake/nobody", json=lead)).status_code == 403
            assert (await http.post("/api/leads", content=b"[]")).status_code == 400
        registry = d.gateway.metrics.registry

        def count(source: str, outcome: str) -> float:
            labels = {"source": source, "outcome": outcome}
            return registry.get_sample_value("crm_intake_total", labels) or 0.0

        assert count("crm-site", "accepted") == 1
        assert count("crm-site", "invalid") == 1
        assert count("unknown", "forbidden") == 1  # a name no token has: one label for all
        assert count("api", "invalid") == 1
