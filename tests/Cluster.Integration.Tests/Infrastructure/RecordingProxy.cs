using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder on a loopback port that records every byte both ways: what a server really sent another one (the
/// requests on the wire, not what the client library says it sent).
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _requests = new();
    private readonly Task _accepting;

    public RecordingProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's base URL.</summary>
    public Uri Address { get; }

    /// <summary>Everything clients sent so far, as Latin-1 text (headers are ASCII).</summary>
    public string Requests
    {
        get
        {
            lock (_requests)
            {
                return Encoding.Latin1.GetString(_requests.GetBuffer(), 0, (int)_requests.Length);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                await Task.WhenAny(
                    PumpAsync(client.GetStream(), server.GetStream(), _requests),
                    PumpAsync(server.GetStream(), client.GetStream(), null));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // One side went away: the connection ends, as it would without the proxy.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, MemoryStream? record)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (record is not null)
            {
                lock (record)
                {
                    record.Write(buffer, 0, read);
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
