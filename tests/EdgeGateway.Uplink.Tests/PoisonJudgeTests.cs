using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Tests;

/// <summary>The poison rules of the README, judged with no transport, no clock and no disk.</summary>
[Trait("Category", "Unit")]
public sealed class PoisonJudgeTests
{
    private readonly PoisonJudge _judge = new();

    [Fact]
    public void A_record_refused_once_is_poison_when_the_broker_confirms_a_record_sent_after_it()
    {
        var (refused, refusedTicket) = Send(1);
        var (later, laterTicket) = Send(2);

        var verdict = _judge.Refused(refused, refusedTicket, "PacketTooLarge");
        var condemned = _judge.Confirmed(later.Id, laterTicket);

        Assert.Equal(RefusalKind.HeldAside, verdict.Kind);
        var poison = Assert.Single(condemned);
        Assert.Same(refused, poison.Entry);
        Assert.Equal("refused by the broker: PacketTooLarge", poison.Reason);
        Assert.Null(_judge.Release(refused.Id, refusedTicket));
    }

    [Fact]
    public void A_refusal_answered_after_a_later_confirmation_is_poison_at_once()
    {
        var (refused, refusedTicket) = Send(1);
        var (later, laterTicket) = Send(2);

        Assert.Empty(_judge.Confirmed(later.Id, laterTicket));
        var verdict = _judge.Refused(refused, refusedTicket, "TopicNameInvalid");

        Assert.Equal(RefusalKind.Poison, verdict.Kind);
        Assert.Equal("refused by the broker: TopicNameInvalid", verdict.Reason);
    }

    [Fact]
    public void A_refused_record_with_no_later_record_confirmed_is_sent_again_not_parked()
    {
        var (earlier, earlierTicket) = Send(1);
        var (refused, refusedTicket) = Send(2);

        _judge.Refused(refused, refusedTicket, "QuotaExceeded");

        // Only a record sent before it is confirmed: that says nothing about this one.
        Assert.Empty(_judge.Confirmed(earlier.Id, earlierTicket));
        Assert.Same(refused, _judge.Release(refused.Id, refusedTicket));
        Assert.Null(_judge.Release(refused.Id, refusedTicket));
    }

    [Fact]
    public void A_broker_refusing_everything_parks_nothing()
    {
        var sends = Enumerable.Range(1, PoisonJudge.MaxSingledOut + 1).Select(id => Send(id)).ToList();

        var verdicts = sends.Select(s => _judge.Refused(s.Entry, s.Ticket, "NotAuthorized")).ToList();
        var (after, afterTicket) = Send(99);

        Assert.All(verdicts.SkipLast(1), v => Assert.Equal(RefusalKind.HeldAside, v.Kind));
        Assert.Equal(RefusalKind.RefusesEverything, verdicts[^1].Kind);
        Assert.Equal(sends.Select(s => s.Entry.Id).Order(), verdicts[^1].Released.Select(e => e.Id).Order());
        // Once the broker is fixed and takes a record, none of those refused before is condemned.
        Assert.Empty(_judge.Confirmed(after.Id, afterTicket));
    }

    [Fact]
    public void A_record_is_poison_when_the_link_drops_twice_right_after_it_the_second_time_alone_on_the_wire()
    {
        var (oldest, oldestTicket) = Send(1);
        var (next, nextTicket) = Send(2);
        var (last, lastTicket) = Send(3);

        // Connection 1 drops with three records in flight; their failures come back in any order.
        _judge.Dropped(1, nextTicket, next.Id);
        _judge.Dropped(1, lastTicket, last.Id);
        _judge.Dropped(1, oldestTicket, oldest.Id);
        Assert.False(_judge.MustSendAlone(oldest.Id));

        _judge.NewConnection(2);

        // Only the oldest unconfirmed is suspected: one blip does not send a whole window one by one.
        Assert.True(_judge.MustSendAlone(oldest.Id));
        Assert.False(_judge.MustSendAlone(next.Id));
        Assert.False(_judge.MustSendAlone(last.Id));

        var verdict = _judge.DroppedAlone(oldest, "connection reset");

        Assert.NotNull(verdict);
        Assert.Same(oldest, verdict.Entry);
        Assert.Equal(
            $"the connection dropped {PoisonJudge.DropsBeforeDeadLetter} times right after sending it, the last time with nothing else in flight: connection reset",
            verdict.Reason);
    }

    [Fact]
    public void A_suspect_the_broker_confirms_when_sent_alone_is_cleared()
    {
        var (oldest, oldestTicket) = Send(1);
        _judge.Dropped(1, oldestTicket, oldest.Id);
        _judge.NewConnection(2);
        Assert.True(_judge.MustSendAlone(oldest.Id));

        Assert.Empty(_judge.Confirmed(oldest.Id, _judge.NextTicket()));

        Assert.False(_judge.MustSendAlone(oldest.Id));
    }

    private (OutboxEntry Entry, long Ticket) Send(long id) =>
        (new OutboxEntry(id, OutboxClass.Alarm, Guid.NewGuid(), 0, 100), _judge.NextTicket());
}
