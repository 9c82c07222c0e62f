"""HighLevel's clock-driven work (jobs.py): SCHEDULED posts going live when the clock passes
their publishedAt (docs/vendors/highlevel.md D-5), and v3 email campaigns going out when
their send time comes: rendered per recipient into the outbox, in batches, counted in the
campaign's statistics."""
from __future__ import annotations

from datetime import datetime, timezone

from support import raises

from mailmocks.clients.base import ApiError
from mailmocks.testing.highlevel import Mock as HighLevelMock

BLOG = "zLTDthc4YJph2m42VEAU"
MUSIC, MAJA_AUTHOR = "6683abde331c041f32c07aee", "659ec9634a3796e4e47cc360"
USER = "zYy3YOUuHxgomU1uYJty"
MAJA, NOAH = "ctMaja0000aurora00001", "ctNoah0000aurora00004"
NEWSLETTER = "tgNews01aurora00000002"
META = {"subject": "Hi {{contact.first_name}}", "fromName": "Aurora Events",
        "fromEmail": "hello@aurora-events.test"}


def new_post(mock: HighLevelMock, slug: str, status: str, published_at: str) -> str:
    post = mock.client().create_blog_post(
        mock.location_id, BLOG, title="Jazz night", url_slug=slug, description="A night",
        image_url="https://img.test/jazz.jpg", image_alt_text="Saxophone",
        raw_html="<h1>Jazz night</h1>", status=status, categories=[MUSIC],
        author=MAJA_AUTHOR, published_at=published_at)["data"]
    assert post["status"] == status
    return str(post["_id"])


# -- blog posts --------------------------------------------------------------------------------
def test_scheduled_posts_publish_when_the_clock_passes_published_at(
        highlevel_mock: HighLevelMock) -> None:
    highlevel_mock.clock.freeze(datetime(2026, 4, 30, 12, tzinfo=timezone.utc))
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    post_id = new_post(highlevel_mock, "jazz-night", "SCHEDULED", "2026-05-01T18:00:00.000Z")
    highlevel_mock.advance(29 * 3600)
    assert hl.get_blog_posts(loc, BLOG, limit=1, status="SCHEDULED")["blogs"][0][
        "_id"] == post_id
    highlevel_mock.advance(2 * 3600)
    published = hl.get_blog_posts(loc, BLOG, limit=1, status="PUBLISHED")["blogs"][0]
    assert (published["_id"], published["status"]) == (post_id, "PUBLISHED")
    # rescheduling moves the job; going back to DRAFT cancels it
    later = new_post(highlevel_mock, "later", "SCHEDULED", "2026-06-01T00:00:00Z")
    hl.update_blog_post(later, loc, status="DRAFT")
    highlevel_mock.advance(40 * 86_400)
    stored = highlevel_mock.location.posts.by("id", later)
    assert stored is not None and stored.status == "DRAFT"


def test_a_fixture_post_scheduled_in_the_past_is_published_by_the_next_tick(
        highlevel_mock: HighLevelMock) -> None:
    """The fixture's "Street food weekend" is SCHEDULED three days ahead; a post whose time
    has passed goes live on the next run of due jobs (contracts/highlevel.yaml,
    assumption F)."""
    loc = highlevel_mock.location
    street = loc.posts.by("slug", "street-food-weekend")
    assert street is not None and street.status == "SCHEDULED"
    highlevel_mock.clock.freeze()
    highlevel_mock.advance(3 * 86_400 + 1)
    assert street.status == "PUBLISHED"
    past = new_post(highlevel_mock, "already-due", "SCHEDULED", "2020-01-01T00:00:00Z")
    highlevel_mock.drain()
    stored = loc.posts.by("id", past)
    assert stored is not None and stored.status == "PUBLISHED"


# -- email campaigns (v3) ------------------------------------------------------------------------
def test_scheduled_campaign_goes_out_when_the_clock_reaches_send_at(highlevel_mock: HighLevelMock
                                                                   ) -> None:
    mock, hl, loc = highlevel_mock, highlevel_mock.client(), highlevel_mock.location_id
    mock.clock.freeze(datetime(2026, 5, 1, 9, tzinfo=timezone.utc))
    made = hl.create_email_campaign(
        loc, "Festival news", user_id=USER,
        editor_content="<p>Hej {{contact.first_name}} from {{location.name}}</p>")
    out = hl.schedule_campaign(
        loc, made["id"], schedule_type="scheduled", email_meta=META, user_id=USER,
        recipients={"type": "tag", "tagIds": [NEWSLETTER]},
        schedule_config={"sendAt": "2026-05-01T12:00:00Z"})
    assert out == {"campaignId": made["id"], "sourceId": out["sourceId"],
                   "traceId": out["traceId"]}
    assert mock.last_status == 201
    assert hl.get_email_campaign(loc, made["id"])["status"] == "scheduled"
    mock.advance(2 * 3600)
    assert mock.outbox.messages("highlevel", kind="campaign") == []
    mock.advance(3600)
    sent = mock.outbox.messages("highlevel", kind="campaign")
    # tag newsletter: Maja, Oliver, Emma, Ida; Ida is do-not-disturb
    assert [m.to for m in sent] == ["maja@example.com", "oliver@example.com", "emma@example.com"]
    assert sent[0].html == "<p>Hej Maja from Aurora Events</p>"
    assert sent[1].subject == "Hi Oliver"
    assert sent[0].sender == "Aurora Events <hello@aurora-events.test>"
    assert hl.get_email_campaign(loc, made["id"])["status"] == "sent"
    stats = hl.get_campaign_stats(loc, "email-campaigns", out["sourceId"])
    assert stats["stats"]["delivered"] == 3 and stats["stats"]["sent"] == 3
    assert stats["stats"]["openRate"] == 0
    again = raises(ApiError, hl.schedule_campaign, loc, made["id"], schedule_type="immediate",
                   email_meta=META, user_id=USER,
                   recipients={"type": "contact", "contactIds": [MAJA]})
    assert again.status == 409
    assert again.body == {"statusCode": 409,
                          "message": "Campaign in status sent cannot be scheduled",
                          "error": "Conflict"}


def test_immediate_batches_segments_and_paused_campaigns(highlevel_mock: HighLevelMock) -> None:
    mock, hl, loc = highlevel_mock, highlevel_mock.client(), highlevel_mock.location_id
    mock.clock.freeze(datetime(2026, 5, 1, 9, tzinfo=timezone.utc))
    paused = next(c for c in hl.list_email_campaigns(loc, status="paused")["campaigns"])
    hl.schedule_campaign(loc, paused["id"], schedule_type="immediate", email_meta=META,
                         user_id=USER, recipients={"type": "contact",
                                                   "contactIds": [NOAH, MAJA]})
    assert hl.get_email_campaign(loc, paused["id"])["status"] == "processing"
    mock.drain()
    assert [m.to for m in mock.outbox.messages("highlevel")] == ["maja@example.com",
                                                                "noah@example.com"]
    drip = hl.create_email_campaign(loc, "Drip", user_id=USER, editor_type="text",
                                    editor_content="Plain hi {{contact.first_name}}")
    hl.schedule_campaign(loc, drip["id"], schedule_type="batch", email_meta=META,
                         user_id=USER, recipients={"type": "segment",
                                                   "segment": "engaged_last_30_days"},
                         schedule_config={"sendAt": "2026-05-01T10:00:00Z", "batch": {
                             "batchSize": 2, "interval": 1, "intervalUnit": "hours"}})
    mock.advance(3600)
    drip_sent = mock.outbox.messages("highlevel", kind="campaign")[2:]
    assert [m.to for m in drip_sent] == ["maja@example.com", "oliver@example.com"]
    assert drip_sent[0].text == "Plain hi Maja" and drip_sent[0].html == ""
    assert hl.get_email_campaign(loc, drip["id"])["status"] == "processing"
    mock.advance(3600)  # engaged: Maja, Oliver, Noah (+ Ida, do-not-disturb)
    assert [m.to for m in mock.outbox.messages("highlevel")][4:] == ["noah@example.com"]
    assert hl.get_email_campaign(loc, drip["id"])["status"] == "sent"


