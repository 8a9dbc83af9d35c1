using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Tests.Storage;

/// <summary>Settings to store, and the field-by-field comparison records cannot give (their arrays compare by reference).</summary>
internal static class StoredSettings
{
    /// <summary>Every field away from its default, nested records included.</summary>
    public static PublishingPointSettings Full(string eventId = "match-42") => new()
    {
        DvrWindowLength = new TimeSpan(0, 1, 23, 45, 678),
        LookaheadCount = 5,
        RestartOnEncoderReconnect = true,
        EventId = eventId,
        PushOutputs = ["http://origin-a:8080/live/event1.isml", "http://origin-b:8080/live/event1.isml"],
        PullInput = new PullInputSettings
        {
            Urls = ["http://upstream-1:8080/live/event1.isml", "http://upstream-2:8080/live/event1.isml", "http://upstream-3:8080/live/event1.isml"],
            RetryCount = 7,
            RetryDelay = TimeSpan.FromMilliseconds(250),
            StallTimeout = TimeSpan.FromSeconds(42),
            Mode = PullMode.Manifest,
            OnDemand = true,
            IdleTimeout = TimeSpan.FromSeconds(75),
        },
        AllowServerConnections = false,
        RestreamedFrom = "source-a",
        ProtectPlayback = true,
        Archive = new ArchiveSettings
        {
            Enabled = false,
            Folder = "events/archive",
            SegmentLength = TimeSpan.FromMinutes(15),
        },
    };

    /// <summary>Asserts <paramref name="actual"/> holds the same values as <paramref name="expected"/>, arrays element by element.</summary>
    public static void ShouldMatch(this PublishingPointSettings? actual, PublishingPointSettings expected)
    {
        // A field added to the settings must be added here too, or a store could drop it unnoticed.
        typeof(PublishingPointSettings).GetProperties().Select(p => p.Name).ShouldBe(
            ["DvrWindowLength", "LookaheadCount", "RestartOnEncoderReconnect", "EventId", "PushOutputs", "PullInput", "AllowServerConnections", "Archive", "RestreamedFrom", "ProtectPlayback"],
            ignoreOrder: true);
        typeof(PullInputSettings).GetProperties().Select(p => p.Name).ShouldBe(["Urls", "RetryCount", "RetryDelay", "StallTimeout", "Mode", "OnDemand", "IdleTimeout"], ignoreOrder: true);
        typeof(ArchiveSettings).GetProperties().Select(p => p.Name).ShouldBe(["Enabled", "Folder", "SegmentLength"], ignoreOrder: true);

        actual.ShouldNotBeNull();
        actual.DvrWindowLength.ShouldBe(expected.DvrWindowLength);
        actual.LookaheadCount.ShouldBe(expected.LookaheadCount);
        actual.RestartOnEncoderReconnect.ShouldBe(expected.RestartOnEncoderReconnect);
        actual.EventId.ShouldBe(expected.EventId);
        actual.PushOutputs.ShouldBe(expected.PushOutputs);
        actual.AllowServerConnections.ShouldBe(expected.AllowServerConnections);
        actual.RestreamedFrom.ShouldBe(expected.RestreamedFrom);
        actual.ProtectPlayback.ShouldBe(expected.ProtectPlayback);
        if (expected.PullInput is null)
        {
            actual.PullInput.ShouldBeNull();
        }
        else
        {
            actual.PullInput.ShouldNotBeNull();
            actual.PullInput.Urls.ShouldBe(expected.PullInput.Urls);
            actual.PullInput.RetryCount.ShouldBe(expected.PullInput.RetryCount);
            actual.PullInput.RetryDelay.ShouldBe(expected.PullInput.RetryDelay);
            actual.PullInput.StallTimeout.ShouldBe(expected.PullInput.StallTimeout);
            actual.PullInput.Mode.ShouldBe(expected.PullInput.Mode);
            actual.PullInput.OnDemand.ShouldBe(expected.PullInput.OnDemand);
            actual.PullInput.IdleTimeout.ShouldBe(expected.PullInput.IdleTimeout);
        }

        if (expected.Archive is null)
        {
            actual.Archive.ShouldBeNull();
        }
        else
        {
            actual.Archive.ShouldNotBeNull();
            actual.Archive.Enabled.ShouldBe(expected.Archive.Enabled);
            actual.Archive.Folder.ShouldBe(expected.Archive.Folder);
            actual.Archive.SegmentLength.ShouldBe(expected.Archive.SegmentLength);
        }
    }
}
