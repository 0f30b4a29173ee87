using System.Net.Sockets;

namespace SocSim.Debug;

/// <summary>What arrived from the client.</summary>
public enum RspInputKind
{
    /// <summary>A packet with a good checksum (already acknowledged).</summary>
    Packet,
    /// <summary>A packet longer than the packet size we announced; its content was dropped.</summary>
    TooLong,
    /// <summary>0x03 outside a packet: the user pressed Ctrl-C in GDB.</summary>
    Interrupt,
    Ack,
    Nack,
}

public readonly record struct RspInput(RspInputKind Kind, byte[]? Payload = null);

/// <summary>
/// The packet layer of one GDB connection: frames and checksums, '+'/'-' acknowledgements (until
/// QStartNoAckMode), 0x03 interrupts and resending a reply the client rejected. Reading never
/// blocks longer than asked, so the server can poll between slices of simulated time. Garbage
/// between packets is skipped; an over-long packet is consumed in bounded memory.
/// </summary>
public sealed class RspConnection : IDisposable
{
    private enum State { Idle, Body, Check1, Check2 }

    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[16384];
    private readonly List<RspInput> _queue = new();
    private readonly List<byte> _body = new();
    private readonly List<byte> _raw = new();
    private State _state;
    private byte _sum;
    private int _check;
    private bool _overflow;

    public RspConnection(Socket socket, int maxPacket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _socket.SendTimeout = 5000;
        MaxPacket = maxPacket;
    }

    /// <summary>Longest payload accepted; longer packets arrive as <see cref="RspInputKind.TooLong"/>.</summary>
    public int MaxPacket { get; }

    /// <summary>After QStartNoAckMode neither side sends '+' or '-'.</summary>
    public bool NoAck { get; set; }

    /// <summary>The client closed the connection (or it broke).</summary>
    public bool Closed { get; private set; }

    /// <summary>Packets whose checksum was wrong (answered with '-').</summary>
    public int BadChecksums { get; private set; }

    /// <summary>The next packet or interrupt, waiting up to <paramref name="timeout"/>; null on timeout or when closed.</summary>
    public RspInput? Read(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            FeedReceived(untilAck: false);
            for (int i = 0; i < _queue.Count; i++)
            {
                var e = _queue[i];
                if (e.Kind is RspInputKind.Ack or RspInputKind.Nack) { _queue.RemoveAt(i--); continue; }
                _queue.RemoveAt(i);
                return e;
            }
            if (Closed) return null;
            var left = deadline - DateTime.UtcNow;
            if (!Receive(left < TimeSpan.Zero ? TimeSpan.Zero : left)) return null;
        }
    }

    /// <summary>Takes an interrupt that arrived while the target ran, without blocking.</summary>
    public bool PollInterrupt()
    {
        Receive(TimeSpan.Zero);
        FeedReceived(untilAck: false);
        int i = _queue.FindIndex(e => e.Kind == RspInputKind.Interrupt);
        if (i < 0) return false;
        _queue.RemoveAt(i);
        return true;
    }

    /// <summary>Sends a packet and, in acknowledged mode, resends it on '-' (a few times at most).</summary>
    public void Send(string payload) => Send(System.Text.Encoding.Latin1.GetBytes(payload));

    public void Send(ReadOnlySpan<byte> payload)
    {
        var frame = Rsp.Frame(payload);
        for (int attempt = 0; attempt < 4 && !Closed; attempt++)
        {
            Write(frame);
            if (NoAck || WaitAck()) return;
        }
    }

    /// <summary>Sends raw bytes (used for the '+' and '-' acknowledgements).</summary>
    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (Closed) return;
        try { _socket.Send(bytes); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { Closed = true; }
    }

    /// <summary>True on '+' (or when the client stays silent: it will resend what it needs), false on '-'.</summary>
    private bool WaitAck()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (!Closed)
        {
            FeedReceived(untilAck: true);
            int i = _queue.FindIndex(e => e.Kind is RspInputKind.Ack or RspInputKind.Nack);
            if (i >= 0)
            {
                bool ack = _queue[i].Kind == RspInputKind.Ack;
                _queue.RemoveAt(i);
                return ack;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !Receive(left)) return true;
        }
        return true;
    }

    /// <summary>Receives what is there (waiting up to <paramref name="timeout"/> for something); false when nothing came.</summary>
    private bool Receive(TimeSpan timeout)
    {
        if (Closed) return false;
        try
        {
            int micros = (int)Math.Min(timeout.Ticks / 10, int.MaxValue);
            if (!_socket.Poll(micros, SelectMode.SelectRead)) return false;
            int n = _socket.Receive(_receive);
            if (n == 0) { Closed = true; return false; }
            _raw.AddRange(_receive.AsSpan(0, n));
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Closed = true;
            return false;
        }
    }

    /// <summary>
    /// Parses received bytes. Waiting for an acknowledgement stops right after it, so a packet that
    /// follows in the same segment is parsed in the mode the acknowledgement settled (QStartNoAckMode).
    /// </summary>
    private void FeedReceived(bool untilAck)
    {
        int i = 0;
        while (i < _raw.Count)
        {
            int before = _queue.Count;
            Feed(_raw[i++]);
            if (untilAck && _queue.Count > before && _queue[^1].Kind is RspInputKind.Ack or RspInputKind.Nack) break;
        }
        _raw.RemoveRange(0, i);
    }

    private void Feed(byte b)
    {
        switch (_state)
        {
            case State.Idle:
                switch (b)
                {
                    case (byte)'$': StartBody(); break;
                    case 0x03: _queue.Add(new RspInput(RspInputKind.Interrupt)); break;
                    case (byte)'+': _queue.Add(new RspInput(RspInputKind.Ack)); break;
                    case (byte)'-': _queue.Add(new RspInput(RspInputKind.Nack)); break;
                    // Anything else between packets is line noise.
                }
                break;
            case State.Body:
                if (b == (byte)'#') _state = State.Check1;
                else if (b == (byte)'$') StartBody();   // a new start: the previous packet was cut short
                else
                {
                    _sum += b;
                    if (_body.Count < MaxPacket) _body.Add(b);
                    else _overflow = true;
                }
                break;
            case State.Check1:
                _check = Rsp.HexValue(b);
                if (_check < 0) Reject();
                else _state = State.Check2;
                break;
            case State.Check2:
                int lo = Rsp.HexValue(b);
                if (lo < 0 || (_check << 4 | lo) != _sum) { Reject(); break; }
                if (!NoAck) Write("+"u8);
                _queue.Add(_overflow ? new RspInput(RspInputKind.TooLong) : new RspInput(RspInputKind.Packet, _body.ToArray()));
                _state = State.Idle;
                _body.Clear();
                break;
        }
    }

    private void StartBody()
    {
        _state = State.Body;
        _body.Clear();
        _sum = 0;
        _overflow = false;
    }

    private void Reject()
    {
        BadChecksums++;
        if (!NoAck) Write("-"u8);
        _state = State.Idle;
        _body.Clear();
    }

    public void Dispose()
    {
        Closed = true;
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
    }
}
