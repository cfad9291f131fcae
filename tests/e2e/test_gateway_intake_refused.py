"""Leads refused at the gateway's door: what deal-service would refuse, a body over the
limit, an unknown token, a source over its rate. Nothing refused is stored."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client


async def _stored_leads(client: Client) -> int:
    return int((await client.js.stream_info("CRM_LEADS")).state.messages)


async def test_a_lead_deal_service_would_refuse_is_refused_at_the_door(
    clean: Any, client: Client
) -> None:
    """A 2xx means the lead becomes a deal: one deal-service would refuse (it would go to the
    dead letters, and no one be told) gets a 400 naming the field, and nothing is stored."""
    async with door(clean) as d:
        api = await d.token("crm-site", ["leads:write"])
        tilda = await d.token("tilda-site", ["leads:write"], format="tilda")
        b24 = await d.token("b24", ["leads:write"], format="bitrix24")
        before = await _stored_leads(client)
        async with d.client(headers={"Authorization": f"Bearer {api.token}"}) as http:
            for lead, reason in (
                ({"contact": {"name": "Тест", "phone": "abc"}}, "contact.phone 'abc'"),
                ({"contact": {}}, "a name, phone or email is required"),
                ({"contact": {"name": "   "}}, "a name, phone or email is required"),
                ({"contact": {"name": "Отв"}, "responsible_id": "mgr-9"}, "mgr-9"),
                ({"contact": {"name": "Сумма"}, "amount": "много"}, "invalid lead: amount"),
            ):
                reply = await http.post("/api/leads", json=lead)
                assert reply.status_code == 400, (lead, reply.text)
                assert reply.json()["error"]["code"] == "invalid"
                assert reason in reply.json()["error"]["message"]
            # said by the fields' Russian names, in the message and in params
            worded = await http.post("/api/leads", json={"contact": {"name": "Я"}, "amount": "x"})
            assert worded.json()["error"]["params"] == {
                "reason": "form",
                "problems": "Сумма: нужно число",
            }
            # a currency that ISO 4217 does not have (three capital letters were enough:
            # «XYZ» made a deal and a column's total «65 000 ₽ + 5 XYZ»)
            made_up = {"contact": {"name": "Юрий"}, "amount": 5, "currency": "XYZ"}
            reply = await http.post("/api/leads", json=made_up)
            assert reply.status_code == 400, reply.text
            assert reply.json()["error"]["params"]["problems"] == (
                "Валюта: нет такой валюты: нужен код ISO 4217 — RUB, USD, KZT"
            )
            # an unknown responsible too (it had no params: a person read English)
            nobody = {"contact": {"name": "Отв"}, "responsible_id": "mgr-99"}
            reply = await http.post("/api/leads", json=nobody)
            assert reply.json()["error"]["params"] == {
                "reason": "form",
                "problems": "Ответственный: нет такого пользователя «mgr-99»",
            }
        async with d.client() as http:
            form = {"Name": "Тильда", "Phone": "abc", "tranid": "t-bad"}
            reply = await http.post(f"/intake/tilda-site?token={tilda.token}", data=form)
            assert reply.status_code == 400 and "contact.phone" in reply.text
            bad = {"fields[NAME]": "Ф", "fields[PHONE][0][VALUE]": "zzz"}
            reply = await http.post(f"/intake/b24?token={b24.token}", data=bad)
            assert reply.status_code == 400 and "contact.phone" in reply.text
        # The same refused lead sent again with its Idempotency-Key gets the same answer (it is
        # refused before the key is claimed, so the key stays free for a corrected lead), and
        # an amount no number can hold is refused by name; still nothing is stored.
        async with d.client(headers={"Authorization": f"Bearer {api.token}"}) as http:
            again = {"Idempotency-Key": "refused-1"}
            bad_phone = {"contact": {"name": "Тест", "phone": "abc"}}
            first = await http.post("/api/leads", json=bad_phone, headers=again)
            second = await http.post("/api/leads", json=bad_phone, headers=again)
            assert (first.status_code, second.status_code) == (400, 400)
            assert first.json() == second.json()  # refused before the key is claimed
            huge = b'{"contact": {"name": "Ya"}, "amount": 1e400}'
            reply = await http.post(
                "/api/leads", content=huge, headers={"content-type": "application/json"}
            )
            assert reply.status_code == 400
            assert reply.json()["error"]["params"]["problems"] == "Сумма: нужно число"
        assert await _stored_leads(client) == before


async def test_body_limit_and_rate_limit(clean: Any, client: Client) -> None:
    async with door(clean, services=False, max_body_bytes=2048) as d:
        made = await d.token("small", ["leads:write"], rate_per_second=0.5, burst=2)
        auth = {"Authorization": f"Bearer {made.token}"}
        async with d.client(headers=auth) as http:
            before = await _stored_leads(client)
            huge = {"contact": {"name": "x"}, "comment": "я" * 4000}
            assert (await http.post("/api/leads", json=huge)).status_code == 413
            assert await _stored_leads(client) == before
            unknown = {"Authorization": "Bearer crm_nope_nope"}
            lead = {"contact": {"name": "Лимит"}}
            assert (await http.post("/api/leads", json=lead, headers=unknown)).status_code == 401
            for n in range(2):
                ok = await http.post("/api/leads", json={**lead, "external_id": f"r-{n}"})
                assert ok.status_code == 202
            limited = await http.post("/api/leads", json={**lead, "external_id": "r-3"})
            assert limited.status_code == 429
            assert int(limited.headers["Retry-After"]) >= 1
