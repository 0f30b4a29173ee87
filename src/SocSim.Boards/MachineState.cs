using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using SocSim.Boards;
using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim;

/// <summary>What a checkpoint file says about itself before its payload is read.</summary>
public sealed record CheckpointHeader(
    int Version,
    IReadOnlyList<string> BoardFiles,
    IReadOnlyList<string> BoardSets,
    IReadOnlyList<string> BoardConfiguration,
    string? ElfPath,
    string? ElfSha256,
    long Cycles,
    long Instructions,
    uint Pc);

/// <summary>
/// Checkpoints: the complete state of the SoC, saved at an instruction boundary and loaded into a
/// machine built from the same board and ELF. The file is a versioned header (board files and their
/// merged configuration, the ELF's path and SHA-256, where it was taken) followed by a compressed
/// payload and a SHA-256 over the header and the payload (version 3: the two-bank LPC2106 MAM, the LPC2106
/// system control's gated nIRQ/nFIQ, the Cortex-M FPU and 128-exception sets, the ARM926's caches changed their
/// sections; version 2 had the same layout; version 1 checked the payload only, so a changed cycle count or pc in
/// its header went unnoticed):
/// <list type="bullet">
/// <item>the core (<see cref="Core.Cores.ICore.SaveState"/>);</item>
/// <item>every memory region, as the 4 KiB pages that differ from what the loader put there;</item>
/// <item>every peripheral in board order, each in a section named after its entry;</item>
/// <item>semihosting, the clock controls and clocks, the scheduler's queue (events by name);</item>
/// <item>what the host captured: each UART's output so far, the host-driven pins.</item>
/// </list>
/// </summary>
public sealed partial class Machine
{
    public const int CheckpointVersion = 6;

    /// <summary>The largest checkpoint read (its payload is held in memory at once); a longer file or stream is refused, never read to the end.</summary>
    public const long MaxCheckpointBytes = 1L << 30;
    private static ReadOnlySpan<byte> Magic => "SOCSIMCK"u8;
    private const int PageBytes = 4096;

    /// <summary>What the loaders wrote (ELF segments, a raw image), in order: the image a region's contents are compared with.</summary>
    private readonly List<(uint Address, ReadOnlyMemory<byte> Data, uint ZeroBytes)> _image = new();
    private readonly Dictionary<MemoryRegion, byte[]> _initImages = new();
    private string? _elfPath, _elfSha256;
    private ReadOnlyMemory<byte> _elfContents;

    /// <summary>
    /// The loaded ELF's SHA-256 (lowercase hex), a checkpoint's ELF identity, or null with no ELF loaded. Computed from the
    /// bytes that were loaded at the first checkpoint that needs it, not at load: SHA-256 loads System.Security.Cryptography
    /// and OpenSSL, 0.1-0.2 s of every short run that never takes a checkpoint (bench/README.md, issue 21).
    /// </summary>
    private string? ElfSha256 => _elfPath == null ? null
        : _elfSha256 ??= Convert.ToHexString(SHA256.HashData(_elfContents.Span)).ToLowerInvariant();

    /// <summary>The clock controls in a fixed order (component, then control name).</summary>
    private IEnumerable<KeyValuePair<(string, string), ClockControl>> OrderedClockControls =>
        _clockControls.OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal);

    /// <summary>Each peripheral's checkpoint state, in board order.</summary>
    private IEnumerable<(PeripheralSpec Spec, IStateful State)> StatefulPeripherals(string verb) =>
        Board.Peripherals.Select(p => (p, _devices[p.Name] as IStateful
            ?? throw new StateException($"peripheral '{p.Name}' ({p.Type.Name}) cannot be {verb}: its model keeps no checkpoint state")));

    private void RecordImage(uint address, ReadOnlyMemory<byte> data, uint zeroBytes) => _image.Add((address, data, zeroBytes));

    /// <summary>Writes a checkpoint of the whole SoC to <paramref name="stream"/>. Call it between runs (at an instruction boundary).</summary>
    public void SaveState(Stream stream)
    {
        var payload = new MemoryStream();
        var w = new StateWriter(payload);
        w.Section("cpu", Core.SaveState);
        w.Section("memory", SaveMemory);
        foreach (var (p, s) in StatefulPeripherals("saved")) w.Section("peripheral " + p.Name, s.SaveState);
        w.Section("semihosting", sw =>
        {
            sw.Write(Semihosting != null);
            Semihosting?.SaveState(sw);
        });
        w.Section("clocks", sw =>
        {
            foreach (var ((component, name), c) in OrderedClockControls)
            {
                sw.Write(component + "." + name);
                sw.Write(c.Num);
                sw.Write(c.Den);
            }
            foreach (var c in Board.Clocks)
            {
                sw.Write(c.Name);
                _clocks[c.Name].SaveState(sw);
            }
        });
        w.Section("host", SaveHost);
        w.Section("scheduler", Scheduler.SaveState);
        if (_toolStates.Count > 0) w.Section("tools", SaveTools);

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(payload.GetBuffer(), 0, (int)payload.Length);
        byte[] body = compressed.ToArray();

        var header = new MemoryStream();
        using (var hw = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            WriteList(hw, Board.Files);
            WriteList(hw, Board.Sets);
            WriteList(hw, Board.Configuration);
            hw.Write(_elfPath ?? "");
            hw.Write(ElfSha256 ?? "");
            hw.Write(Scheduler.Cycles);
            hw.Write(Core.Instructions);
            hw.Write(Core.Pc);
            hw.Write(payload.Length);
            hw.Write(body.LongLength);
            // The checksum covers the header too (cycles, pc, the board and ELF it names), then the body.
            hw.Flush();
            hw.Write(Checksum(header.GetBuffer().AsSpan(0, (int)header.Length), body));
        }
        stream.Write(Magic);
        stream.Write(BitConverter.GetBytes(CheckpointVersion));
        stream.Write(BitConverter.GetBytes((int)header.Length));
        header.Position = 0;
        header.CopyTo(stream);
        stream.Write(body);
        stream.Flush();
    }

    private static byte[] Checksum(ReadOnlySpan<byte> headerBeforeChecksum, ReadOnlySpan<byte> body)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(headerBeforeChecksum);
        h.AppendData(body);
        return h.GetHashAndReset();
    }

    private static void WriteList(BinaryWriter w, IReadOnlyList<string> items)
    {
        w.Write(items.Count);
        foreach (var i in items) w.Write(i);
    }

    /// <summary>Reads a checkpoint's header (and checks the whole file against its checksum) without building a machine or unpacking the payload.</summary>
    public static CheckpointHeader ReadCheckpointHeader(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return ReadCheckpoint(f, path, unpack: false).Header;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"{HostInput.QuotePath(path)}: cannot read the state file: {(Directory.Exists(path) ? "it is a directory" : HostInput.Reason(e))}");
        }
    }

    private static (CheckpointHeader Header, byte[]? Payload) ReadCheckpoint(Stream stream, string what, bool unpack = true)
    {
        // The magic first: a file that is not a checkpoint (or a device such as /dev/zero) is refused before it is read.
        var all = new MemoryStream();
        var start = new byte[16];
        int got = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        all.Write(start, 0, got);
        if (got < 16 || !start.AsSpan(0, 8).SequenceEqual(Magic))
            throw new StateException($"{what}: not a SocSim state file (no SOCSIMCK header)");
        var chunk = new byte[1 << 16];
        for (int n; (n = stream.Read(chunk)) > 0;)
        {
            if (all.Length + n > MaxCheckpointBytes)
                throw new StateException($"{what}: longer than {MaxCheckpointBytes >> 20} MiB, the largest state file socsim reads");
            all.Write(chunk, 0, n);
        }
        var bytes = all.GetBuffer().AsSpan(0, (int)all.Length);
        int version = BitConverter.ToInt32(bytes[8..12]);
        if (version != CheckpointVersion)
            throw new StateException($"{what}: state file version {version}, this socsim reads version {CheckpointVersion}");
        int headerLength = BitConverter.ToInt32(bytes[12..16]);
        if (headerLength < 0 || 16L + headerLength > bytes.Length)
            throw new StateException($"{what}: truncated state file (its header needs {headerLength} bytes, {Math.Max(0, bytes.Length - 16)} present)");
        CheckpointHeader header;
        long payloadLength, bodyLength;
        byte[] hash;
        int hashedHeaderLength;
        try
        {
            var hs = new MemoryStream(all.GetBuffer(), 16, headerLength);
            using var hr = new BinaryReader(hs, Encoding.UTF8);
            var files = ReadList(hr);
            var sets = ReadList(hr);
            var config = ReadList(hr);
            string elf = hr.ReadString(), sha = hr.ReadString();
            long cycles = hr.ReadInt64(), instructions = hr.ReadInt64();
            uint pc = hr.ReadUInt32();
            payloadLength = hr.ReadInt64();
            bodyLength = hr.ReadInt64();
            hashedHeaderLength = (int)hs.Position;
            hash = hr.ReadBytes(32);
            if (hash.Length != 32) throw new EndOfStreamException();
            header = new CheckpointHeader(version, files, sets, config, elf.Length == 0 ? null : elf, sha.Length == 0 ? null : sha, cycles, instructions, pc);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or StateException)
        {
            throw new StateException($"{what}: corrupted state file header");
        }
        long bodyAt = 16L + headerLength;
        if (bodyLength < 0 || bodyAt + bodyLength > bytes.Length)
            throw new StateException($"{what}: truncated state file ({bytes.Length} bytes, {bodyAt + bodyLength} expected)");
        if (bodyAt + bodyLength < bytes.Length)
            throw new StateException($"{what}: corrupted state file ({bytes.Length - bodyAt - bodyLength} bytes after its end)");
        var body = bytes.Slice((int)bodyAt, (int)bodyLength);
        if (!Checksum(bytes.Slice(16, hashedHeaderLength), body).AsSpan().SequenceEqual(hash))
            throw new StateException($"{what}: corrupted state file (its header or payload does not match its checksum)");
        if (payloadLength < 0 || payloadLength > int.MaxValue)
            throw new StateException($"{what}: corrupted state file header");
        if (!unpack) return (header, null);
        var payload = new byte[payloadLength];
        try
        {
            using var z = new ZLibStream(new MemoryStream(all.GetBuffer(), (int)bodyAt, (int)bodyLength, writable: false), CompressionMode.Decompress);
            z.ReadExactly(payload);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new StateException($"{what}: corrupted state file (its payload does not decompress)");
        }
        return (header, payload);
    }

    private static List<string> ReadList(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > 1 << 20) throw new FormatException();
        var list = new List<string>(n);
        for (int i = 0; i < n; i++) list.Add(r.ReadString());
        return list;
    }

    /// <summary>
    /// Why a checkpoint with <paramref name="header"/> cannot be loaded into this machine (another
    /// board configuration, another ELF), or null when it can.
    /// </summary>
    public string? CheckpointMismatch(CheckpointHeader header)
    {
        if (!header.BoardConfiguration.SequenceEqual(Board.Configuration))
        {
            var saved = ToKeyValues(header.BoardConfiguration);
            var here = ToKeyValues(Board.Configuration);
            foreach (var key in saved.Keys.Union(here.Keys).Order(StringComparer.Ordinal))
            {
                saved.TryGetValue(key, out var a);
                here.TryGetValue(key, out var b);
                if (a == b) continue;
                return $"the board differs from the one the state was saved on ({string.Join(" ", header.BoardFiles.Select(Path.GetFileName))}): "
                    + $"{key} is {(b == null ? "absent" : "\"" + b + "\"")} here, {(a == null ? "absent" : "\"" + a + "\"")} in the state";
            }
            return "the board differs from the one the state was saved on";
        }
        if (header.ElfSha256 != ElfSha256)
        {
            if (header.ElfSha256 == null) return $"the state was saved without an ELF, but {_elfPath} is loaded";
            if (ElfSha256 == null) return $"the state was saved with ELF {header.ElfPath}, but no ELF is loaded";
            return $"ELF {_elfPath} differs from the one the state was saved with ({header.ElfPath}, SHA-256 {header.ElfSha256[..12]}…)";
        }
        return null;
    }

    private static Dictionary<string, string> ToKeyValues(IEnumerable<string> lines)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in lines)
        {
            int eq = l.IndexOf('=');
            if (eq > 0) d[l[..eq]] = l[(eq + 1)..];
        }
        return d;
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="SaveState"/> into this machine, which must have been
    /// built from the same board configuration with the same ELF loaded. It may have run since (a
    /// debugger going back): everything is overwritten. Errors are <see cref="StateException"/>s with
    /// one line for the user; on an error the machine's state is undefined (build a new one).
    /// </summary>
    public CheckpointHeader LoadState(Stream stream, string what = "state")
    {
        var (header, payload) = ReadCheckpoint(stream, what);
        if (CheckpointMismatch(header) is string why) throw new StateException($"{what}: {why}");
        var body = new MemoryStream(payload!, writable: false);
        var r = new StateReader(body);
        try
        {
            r.Section("cpu", Core.LoadState);
            r.Section("memory", LoadMemory);
            foreach (var (p, s) in StatefulPeripherals("restored")) r.Section("peripheral " + p.Name, s.LoadState);
            r.Section("semihosting", sr =>
            {
                bool had = sr.ReadBool();
                if (had != (Semihosting != null))
                    throw new StateException(had ? "the state has semihosting, this machine has none" : "this machine has semihosting, the state has none");
                Semihosting?.LoadState(sr);
            });
            r.Section("clocks", sr =>
            {
                foreach (var ((component, name), c) in OrderedClockControls)
                {
                    string key = sr.ReadString();
                    if (key != component + "." + name) throw new StateException($"clock control {component}.{name} expected, found {key}");
                    long num = sr.ReadLong(), den = sr.ReadLong();
                    if (den <= 0 || num < 0) throw new StateException($"clock control {key}: ratio {num}/{den}");
                    c.Restore(num, den);
                }
                foreach (var c in Board.Clocks)
                {
                    string name = sr.ReadString();
                    if (name != c.Name) throw new StateException($"clock {c.Name} expected, found {name}");
                    _clocks[c.Name].LoadState(sr);
                }
            });
            r.Section("host", LoadHost);
            r.Section("scheduler", Scheduler.LoadState);
            _savedToolStates = new(StringComparer.Ordinal);
            if (body.Position < body.Length) r.Section("tools", LoadTools);
        }
        catch (StateException e)
        {
            throw new StateException($"{what}: {e.Message}");
        }
        _timeLimitHit = false;
        _resetRequested = false;
        return header;
    }

    // ---------------------------------------------------------------- tools

    private readonly List<(string Name, IStateful State)> _toolStates = new();
    private Dictionary<string, byte[]>? _savedToolStates;

    /// <summary>True when a checkpoint was loaded into this machine.</summary>
    public bool Resumed => _savedToolStates != null;

    /// <summary>
    /// Puts a host tool's figures (a probe's passes so far) into the checkpoints this machine saves,
    /// under <paramref name="name"/>, so that a resumed run reports the whole run as the straight run
    /// does. When the checkpoint loaded into this machine holds figures under that name, they are
    /// loaded into <paramref name="state"/> now and the result is true. A checkpoint saved without the
    /// tool simply lacks its section (the "tools" section is last and optional).
    /// </summary>
    public bool AddToolState(string name, IStateful state)
    {
        _toolStates.Add((name, state));
        if (_savedToolStates == null || !_savedToolStates.TryGetValue(name, out var bytes)) return false;
        var r = new StateReader(new MemoryStream(bytes, writable: false));
        try { r.Section(name, state.LoadState); }
        catch (StateException e) { throw new StateException($"the checkpoint's figures of {name}: {e.Message}"); }
        return true;
    }

    private void SaveTools(StateWriter w)
    {
        w.Write(_toolStates.Count);
        foreach (var (name, state) in _toolStates)
        {
            var ms = new MemoryStream();
            new StateWriter(ms).Section(name, state.SaveState);
            w.Write(name);
            w.WriteBytes(ms.ToArray());
        }
    }

    private void LoadTools(StateReader r)
    {
        int n = r.ReadCount();
        for (int i = 0; i < n; i++)
        {
            string name = r.ReadString();
            _savedToolStates![name] = r.ReadBytes();
        }
    }

    /// <summary>Writes a checkpoint to a file.</summary>
    /// <remarks>
    /// Written beside <paramref name="path"/> first and renamed over it only when complete, so that a
    /// failed save (a full disk) leaves the checkpoint that was there before intact. A target that exists
    /// and is empty holds nothing to keep and is written in place: that is also what a device such as
    /// /dev/full or /dev/null reports, and a rename would replace the device node with a file.
    /// </remarks>
    public void SaveState(string path)
    {
        string full = Path.GetFullPath(path);
        if (new FileInfo(full) is { Exists: true, Length: 0 })
        {
            using var direct = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.None);
            SaveState(direct);
            direct.Flush();
            return;
        }
        string temporary = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var f = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                SaveState(f);
                f.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Loads a checkpoint from a file (see <see cref="LoadState(Stream, string)"/>).</summary>
    public CheckpointHeader LoadState(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return LoadState(f, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"{HostInput.QuotePath(path)}: cannot read the state file: {(Directory.Exists(path) ? "it is a directory" : HostInput.Reason(e))}");
        }
    }

    // ---------------------------------------------------------------- memory

    /// <summary>Each region's pages that differ from the loaded image: (page index, 4 KiB).</summary>
    private unsafe void SaveMemory(StateWriter w)
    {
        var baseline = new byte[PageBytes];
        w.Write(_regions.Count);
        foreach (var region in _regions)
        {
            w.Write(region.Name);
            w.Write(region.Size);
            int pages = (int)((region.Size + PageBytes - 1) / PageBytes);
            var changed = new List<int>();
            for (int i = 0; i < pages; i++)
            {
                var page = Page(region, i);
                bool imaged = Baseline(region, i, baseline);
                if (imaged ? !page.SequenceEqual(baseline.AsSpan(0, page.Length)) : page.IndexOfAnyExcept((byte)0) >= 0) changed.Add(i);
            }
            w.Write(changed.Count);
            foreach (int i in changed)
            {
                w.Write(i);
                w.WriteBytes(Page(region, i));
            }
        }
    }

    private unsafe void LoadMemory(StateReader r)
    {
        int n = r.ReadInt();
        if (n != _regions.Count) throw new StateException($"the state has {n} memory regions, this board {_regions.Count}");
        var baseline = new byte[PageBytes];
        foreach (var region in _regions)
        {
            string name = r.ReadString();
            uint size = r.ReadUInt();
            if (name != region.Name || size != region.Size)
                throw new StateException($"memory region '{region.Name}' ({region.Size} bytes) expected, found '{name}' ({size} bytes)");
            int pages = (int)((region.Size + PageBytes - 1) / PageBytes);
            int changed = r.ReadCount(pages);
            var saved = new Dictionary<int, byte[]>(changed);
            for (int k = 0; k < changed; k++)
            {
                int i = r.ReadInt();
                if (i < 0 || i >= pages) throw new StateException($"memory region '{region.Name}': page {i} out of range");
                var bytes = r.ReadBytes();
                if (bytes.Length != Page(region, i).Length) throw new StateException($"memory region '{region.Name}': page {i} has {bytes.Length} bytes, expected {Page(region, i).Length}");
                saved[i] = bytes;
            }
            // A page the state does not list holds what the loader put there. Only pages whose
            // contents differ are written: a page never touched stays unbacked host memory.
            for (int i = 0; i < pages; i++)
            {
                var page = Page(region, i);
                if (saved.TryGetValue(i, out var bytes)) { if (!page.SequenceEqual(bytes)) bytes.CopyTo(page); }
                else if (Baseline(region, i, baseline)) { if (!page.SequenceEqual(baseline.AsSpan(0, page.Length))) baseline.AsSpan(0, page.Length).CopyTo(page); }
                else if (page.IndexOfAnyExcept((byte)0) >= 0) page.Clear();
            }
        }
    }

    private static unsafe Span<byte> Page(MemoryRegion region, int i)
    {
        long start = (long)i * PageBytes;
        int length = (int)Math.Min(PageBytes, region.Size - start);
        return new Span<byte>(region.Data + start, length);
    }

    /// <summary>Fills <paramref name="page"/> with what the loaders put in page <paramref name="index"/> of the region; false when that is all zero and untouched by them.</summary>
    private bool Baseline(MemoryRegion region, int index, byte[] page)
    {
        ulong start = region.Base + (ulong)index * PageBytes, end = start + PageBytes;
        bool any = false;
        if (_initImages.TryGetValue(region, out var init) && (ulong)index * PageBytes < (ulong)init.Length)
        {
            Array.Clear(page);
            any = true;
            int off = index * PageBytes;
            init.AsSpan(off, Math.Min(PageBytes, init.Length - off)).CopyTo(page);
        }
        foreach (var (address, data, zeros) in _image)
        {
            ulong a = address, dataEnd = a + (ulong)data.Length, zeroEnd = dataEnd + zeros;
            if (zeroEnd <= start || a >= end) continue;
            if (!any) { Array.Clear(page); any = true; }
            // Bytes of the image inside this page: its data, then its zero fill (.bss).
            ulong from = Math.Max(a, start), to = Math.Min(dataEnd, end);
            if (from < to) data.Span.Slice((int)(from - a), (int)(to - from)).CopyTo(page.AsSpan((int)(from - start)));
            ulong zf = Math.Max(dataEnd, start), zt = Math.Min(zeroEnd, end);
            if (zf < zt) page.AsSpan((int)(zf - start), (int)(zt - zf)).Clear();
        }
        return any;
    }

    // ---------------------------------------------------------------- host side

    private void SaveHost(StateWriter w)
    {
        w.Write(_uartOutput.Count);
        foreach (var (name, buffer) in _uartOutput.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase))
        {
            w.Write(name);
            w.WriteBytes(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        w.Write(_hostPins.Count);
        foreach (var (key, line) in _hostPins.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase))
        {
            w.Write(key);
            w.Write(line.Level);
        }
        w.Write(SystemResets.Count);
        foreach (var (cycle, reason) in SystemResets)
        {
            w.Write(cycle);
            w.Write(reason);
        }
    }

    private void LoadHost(StateReader r)
    {
        int n = r.ReadCount(_uartOutput.Count);
        if (n != _uartOutput.Count) throw new StateException($"the state has {n} UARTs, this board {_uartOutput.Count}");
        for (int i = 0; i < n; i++)
        {
            string name = r.ReadString();
            if (!_uartOutput.TryGetValue(name, out var buffer)) throw new StateException($"the state has UART '{name}', this board has none");
            var bytes = r.ReadBytes();
            buffer.SetLength(0);
            buffer.Write(bytes);
        }
        int pins = r.ReadCount(1 << 16);
        for (int i = 0; i < pins; i++)
        {
            string key = r.ReadString();
            bool level = r.ReadBool();
            if (_hostPins.TryGetValue(key, out var line)) line.Restore(level);
            else
            {
                // A pin the host drove before the checkpoint: connected again at its level, silently
                // (the device restored the level it had latched).
                line = new IrqLine("host." + key);
                line.Restore(level);
                int dot = key.IndexOf('.');
                var spec = Board.Peripheral(key[..dot]) ?? throw new StateException($"the state drives pin {key}, which this board does not have");
                spec.Type.ConnectInput(_devices[spec.Name], key[(dot + 1)..], line);
                _hostPins[key] = line;
            }
        }
        int resets = r.ReadCount(1 << 20);
        SystemResets.Clear();
        for (int i = 0; i < resets; i++) SystemResets.Add((r.ReadLong(), r.ReadString()));
    }
}
