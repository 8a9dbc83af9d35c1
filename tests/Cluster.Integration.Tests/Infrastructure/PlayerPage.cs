using Microsoft.Playwright;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright, playing a URL with a real player from npm. The page and the
/// player's script come from their own web server on another port, so every request to the silo is cross-origin, as
/// it is for a viewer on a web site.
/// </summary>
public sealed class PlayerPage : IAsyncDisposable
{

    private static readonly string[] ChromiumFlags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _console = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    private readonly PageServer _server;

    private PlayerPage(IPlaywright playwright, IBrowser browser, IPage page, PageServer server)
    {
        _server = server;
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Request += (_, request) => _requests.Enqueue(request.Url);
        page.Console += (_, message) =>
        {
            lock (_console)
            {
                _console.Add($"{message.Type}: {message.Text}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Every URL the page has requested so far (its own scripts too).</summary>
    public IReadOnlyList<string> RequestedUrls => [.. _requests];

    public string ConsoleLog
    {
        get
        {
            lock (_console)
            {
                return string.Join('\n', _console.TakeLast(60));
            }
        }
    }

    /// <summary>
    /// Opens the repository's player page (tools/player/index.html) on <paramref name="source"/>: hls.js for HLS URLs,
    /// dash.js for DASH and Smooth Streaming (its MSS support); <paramref name="player"/> <c>shaka</c> plays DASH or HLS with Shaka Player.
    /// </summary>
    public static async Task<PlayerPage> OpenAsync(Uri source, string? player = null)
    {
        var server = await PageServer.StartAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumFlags,
        });
        var page = await browser.NewPageAsync();
        var opened = new PlayerPage(playwright, browser, page, server);
        await page.GotoAsync(new Uri(server.Address, $"tools/player/index.html?url={Uri.EscapeDataString(source.ToString())}{(player is null ? "" : "&player=" + player)}").ToString());
        return opened;
    }

    /// <summary>
    /// Waits until the video's currentTime has advanced more than <paramref name="seconds"/> past where playback began,
    /// or the player reported an error; returns the page's state as JSON for the assertion message.
    /// </summary>
    public async Task<PlaybackResult> WaitForPlaybackAsync(double seconds, TimeSpan timeout)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "s => window.playerState.error !== null || (window.playerState.start !== null && window.playerState.time - window.playerState.start > s)",
                seconds,
                new PageWaitForFunctionOptions { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            // The state below says what happened instead.
        }

        var state = await Page.EvaluateAsync<PlaybackResult>("() => window.playerState");
        return state;
    }

    /// <summary>
    /// From now on, every request the page makes to <paramref name="from"/> goes to <paramref name="to"/> instead (what a
    /// DNS or CDN failover does to a player), and progress is measured again from here. Returns a counter of the requests
    /// sent to <paramref name="to"/>.
    /// </summary>
    public async Task<Func<int>> SwitchOriginAsync(Uri from, Uri to)
    {
        var switched = 0;
        await Page.RouteAsync($"{from.Scheme}://{from.Authority}/**", async route =>
        {
            Interlocked.Increment(ref switched);
            var target = new UriBuilder(route.Request.Url) { Host = to.Host, Port = to.Port }.Uri.ToString();
            await route.ContinueAsync(new RouteContinueOptions { Url = target });
        });
        await Page.EvaluateAsync("() => { window.playerState.start = null; }");
        return () => Volatile.Read(ref switched);
    }

    /// <summary>Moves playback <paramref name="seconds"/> back (a DVR seek) and restarts the progress measurement there.</summary>
    public async Task<double> SeekBackAsync(double seconds) =>
        await Page.EvaluateAsync<double>(
            "s => { const v = document.getElementById('video'); v.currentTime = Math.max(0, v.currentTime - s); window.playerState.start = null; return v.currentTime; }",
            seconds);

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>The page's <c>window.playerState</c>.</summary>
    public sealed class PlaybackResult
    {
        public string? Engine { get; set; }

        public string? Error { get; set; }

        public double? Start { get; set; }

        public double Time { get; set; }

        public int Waiting { get; set; }

        public bool Advanced(double seconds) => Error is null && Start is not null && Time - Start > seconds;

        public override string ToString() => $"{Engine}: error: {Error ?? "none"}, start: {Start}, time: {Time}, waiting events: {Waiting}";
    }
}
