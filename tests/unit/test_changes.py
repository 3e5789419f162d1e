"""Change notices: a published submission wakes the requests waiting on it, on either feed."""

import pytest
import redis

from assessor import changes
from tests.conftest import redis_url


def test_the_queue_url_picks_the_feed(tmp_path):
    assert isinstance(changes.make_feed(f"sqlite:///{tmp_path}/q.db"), changes.DoorbellFeed)
    assert isinstance(changes.make_feed("redis://127.0.0.1:6379/3"), changes.RedisFeed)
    with pytest.raises(ValueError, match="QUEUE_URL"):
        changes.make_feed("amqp://broker")


def test_a_notice_wakes_the_subscribers_of_that_submission_and_of_any(tmp_path):
    feed = changes.make_feed(f"sqlite:///{tmp_path}/q.db")
    seven, eight = feed.subscribe(7), feed.subscribe(8)
    every = feed.subscribe(changes.ANY)
    try:
        assert seven.live and every.live
        feed.publish(7)
        assert seven.wait(0) and every.wait(0)
        assert not eight.wait(0)
    finally:
        for subscription in (seven, eight, every):
            subscription.close()


def test_publishing_with_nobody_subscribed_is_harmless(tmp_path):
    changes.make_feed(f"sqlite:///{tmp_path}/q.db").publish(1)


def test_a_feed_that_cannot_listen_gives_a_deaf_subscription(tmp_path):
    blocker = tmp_path / "queue.sqlite3.wake"
    blocker.write_text("a file where the FIFOs' folder should be")
    subscription = changes.make_feed(f"sqlite:///{tmp_path}/queue.sqlite3").subscribe(1)
    assert isinstance(subscription, changes.Deaf) and not subscription.live
    assert subscription.wait(0) is False


def test_redis_unreachable_gives_a_deaf_subscription_and_a_silent_publish():
    feed = changes.RedisFeed("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    feed.publish(1)
    assert not feed.subscribe(1).live


@pytest.mark.redis
def test_a_redis_notice_wakes_the_subscribers_of_that_submission_and_of_any():
    feed = changes.make_feed(redis_url())
    seven, eight = feed.subscribe(7), feed.subscribe(8)
    every = feed.subscribe(changes.ANY)
    try:
        assert seven.live and eight.live and every.live
        feed.publish(7)
        assert seven.wait(5) and every.wait(5)
        assert not eight.wait(0.2)
    finally:
        for subscription in (seven, eight, every):
            subscription.close()
        feed.client.close()


@pytest.mark.redis
def test_a_redis_subscription_that_loses_its_connection_says_look_now_then_is_deaf():
    feed = changes.make_feed(redis_url())
    subscription = feed.subscribe(9)
    subscription.pubsub.connection.disconnect()
    subscription.pubsub.connection.connect = _refuse
    assert subscription.wait(1) is True  # something may have been missed: look at the row
    assert subscription.live is False
    subscription.close()
    feed.client.close()


def _refuse(*_args, **_kwargs):
    raise redis.ConnectionError("refused")
