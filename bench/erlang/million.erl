%% Erlang's side of the virtual-component benchmark (bench/virtual_bench.cc):
%% N distinct processes, each sent one message that changes its state, in
%% the same invocation as wasmhive's own run so the two figures share a
%% machine and a moment. bench/erlang_peer.h starts it as
%%
%%   erl -noinput +P <N + 65536> -pa <beam dir> -run million main <N> <mode> <window>
%%
%% and parses the one line it prints on stdout:
%%
%%   erlang n=... mode=... window=... schedulers=... seconds=... msgs_per_s=...
%%     peak_memory_bytes=... baseline_memory_bytes=... peak_processes=...
%%     peak_rss_kib=... baseline_rss_kib=... process_bytes=...
%%     spawn_p50_us=... spawn_p99_us=... handled_p50_us=... handled_p99_us=...
%%
%% Modes. Erlang has no deactivation, so the two ways to hold a million
%% addressable things bracket ours:
%%   transient: each process ends once it has handled its message, the
%%              analogue of a component deactivated when idle (its memory is
%%              given back; its state is not kept anywhere, unlike ours);
%%   resident:  each process stays alive, idle, until the VM halts, which
%%              shows what a million live processes cost in memory.
%% In both, at most <window> messages await their acknowledgement at once
%% (default 20,000, our cap on active components), so in transient mode at
%% most about that many processes are alive; the only difference between the
%% modes is whether a process ends. One driver process spawns and sends, as
%% one host thread sends to our components; the emulator's schedulers (one per
%% core by default) run the processes.
%%
%% Fields: seconds is the first spawn to the last acknowledgement (VM start and
%% halt excluded); *_memory_bytes are erlang:memory(total), sampled every
%% 10,000 spawns and at the end; *_rss_kib are the VM's VmRSS before the run
%% and VmHWM after it; process_bytes is one idle process that has handled its
%% message; spawn_* is what the driver pays per spawn and send, handled_* the
%% time from before the spawn until the process has handled its message (both
%% on every 1000th process).
-module(million).
-export([main/1]).

-define(DEFAULT_WINDOW, 20000).
%% Every 1000th process is timed: a clock read per process would be part of
%% what is measured, one per thousand is not.
-define(SAMPLE_EVERY, 1000).
%% erlang:memory/1 walks every allocator instance, so it is sampled, not
%% read per spawn; /proc's VmHWM catches the true peak between samples.
-define(MEMORY_EVERY, 10000).
%% A process that never acknowledges is a lost message: fail rather than hang.
-define(ACK_TIMEOUT_MS, 30000).

%% Entry point for `-run million main N Mode [Window]`: prints the result
%% line and halts the VM with 0, or prints why on stderr and halts with 1 or 2.
%% It halts rather than returning so that init does not stop a million live
%% processes one by one (resident mode) before the VM exits.
-spec main([string()]) -> no_return().
main(Args) ->
    case parse(Args) of
        {ok, N, Mode, Window} ->
            try run(N, Mode, Window) of
                Line ->
                    io:put_chars(Line),
                    erlang:halt(0)
            catch
                Class:Reason ->
                    io:format(standard_error, "million: ~p:~p~n", [Class, Reason]),
                    erlang:halt(1)
            end;
        usage ->
            io:format(standard_error,
                      "usage: million main N transient|resident [WINDOW]~n", []),
            erlang:halt(2)
    end.

parse([NArg, ModeArg]) ->
    parse([NArg, ModeArg, integer_to_list(?DEFAULT_WINDOW)]);
parse([NArg, ModeArg, WindowArg]) ->
    try {list_to_integer(NArg), mode(ModeArg), list_to_integer(WindowArg)} of
        {N, Mode, Window} when N > 0, Window > 0 -> {ok, N, Mode, Window};
        _ -> usage
    catch
        error:_ -> usage
    end;
parse(_) ->
    usage.

mode("transient") -> transient;
mode("resident") -> resident.

%% The component: a counter. Its one message adds to it and is acknowledged
%% with the new count, so the driver can check that every message was handled
%% and changed a state. Sent is the driver's clock before the spawn for a
%% sampled process (none otherwise); the process reports how long ago that was
%% once it has handled the message: spawn, delivery, scheduling and handling,
%% under the load of everything else in flight.
component(Mode, Count) ->
    receive
        {add, Amount, From, Sent} ->
            New = Count + Amount,
            From ! {done, New, since(Sent)},
            case Mode of
                transient -> ok;
                resident -> component(Mode, New)
            end
    end.

since(none) -> none;
since(Sent) -> erlang:monotonic_time() - Sent.

run(N, Mode, Window) ->
    BaselineRss = bench_peer:proc_status_kib("VmRSS:"),
    BaselineMemory = erlang:memory(total),
    Start = erlang:monotonic_time(),
    {Sum, Spawns, Handled, PeakMemory, PeakProcesses} =
        drive(0, N, Mode, Window, 0, 0, [], [], BaselineMemory, 0),
    Elapsed = erlang:monotonic_time() - Start,
    %% Read before anything else allocates: in resident mode this is the
    %% moment all N processes are alive.
    EndMemory = erlang:memory(total),
    EndProcesses = erlang:system_info(process_count),
    %% Each process acknowledges its new count, 1: any other sum means a
    %% message went unhandled or was handled twice.
    Sum =:= N orelse error({wrong_sum, Sum, N}),
    Seconds = erlang:convert_time_unit(Elapsed, native, nanosecond) / 1.0e9,
    bench_peer:fields([{n, N}, {mode, Mode}, {window, Window},
            {schedulers, erlang:system_info(schedulers_online)},
            {seconds, Seconds},
            {msgs_per_s, N / Seconds},
            {peak_memory_bytes, max(PeakMemory, EndMemory)},
            {baseline_memory_bytes, BaselineMemory},
            {peak_processes, max(PeakProcesses, EndProcesses)},
            {peak_rss_kib, bench_peer:proc_status_kib("VmHWM:")},
            {baseline_rss_kib, BaselineRss},
            {process_bytes, idle_process_bytes()},
            {spawn_p50_us, bench_peer:percentile_us(Spawns, 0.50)},
            {spawn_p99_us, bench_peer:percentile_us(Spawns, 0.99)},
            {handled_p50_us, bench_peer:percentile_us(Handled, 0.50)},
            {handled_p99_us, bench_peer:percentile_us(Handled, 0.99)}]).

%% Spawns process I and sends it its message while fewer than Window
%% acknowledgements are awaited, otherwise takes one acknowledgement; returns
%% once all N are spawned and acknowledged. Plain arguments rather than a
%% record: this loop is part of Erlang's figure, and a record would be one
%% more tuple built per step.
drive(I, N, Mode, Window, Awaited, Sum, Spawns, Handled, PeakMemory, PeakProcesses)
  when I < N, Awaited < Window ->
    %% A sampled spawn is timed from here until the send has returned: the
    %% caller's cost (the process is created, runnable and has its message),
    %% not yet the process running.
    Sampled = I rem ?SAMPLE_EVERY =:= 0,
    Sent = case Sampled of
               true -> erlang:monotonic_time();
               false -> none
           end,
    Pid = spawn(fun() -> component(Mode, 0) end),
    Pid ! {add, 1, self(), Sent},
    Spawns1 = case Sampled of
                  true -> [erlang:monotonic_time() - Sent | Spawns];
                  false -> Spawns
              end,
    {PeakMemory1, PeakProcesses1} =
        case I rem ?MEMORY_EVERY of
            0 -> {max(PeakMemory, erlang:memory(total)),
                  max(PeakProcesses, erlang:system_info(process_count))};
            _ -> {PeakMemory, PeakProcesses}
        end,
    drive(I + 1, N, Mode, Window, Awaited + 1, Sum, Spawns1, Handled,
          PeakMemory1, PeakProcesses1);
drive(I, N, Mode, Window, Awaited, Sum, Spawns, Handled, PeakMemory, PeakProcesses)
  when Awaited > 0 ->
    receive
        {done, Count, Latency} ->
            Handled1 = case Latency of
                           none -> Handled;
                           _ -> [Latency | Handled]
                       end,
            drive(I, N, Mode, Window, Awaited - 1, Sum + Count, Spawns, Handled1,
                  PeakMemory, PeakProcesses)
    after ?ACK_TIMEOUT_MS ->
        error({lost_messages, Awaited})
    end;
drive(_I, _N, _Mode, _Window, 0, Sum, Spawns, Handled, PeakMemory, PeakProcesses) ->
    {Sum, Spawns, Handled, PeakMemory, PeakProcesses}.

%% Memory of one process that has handled its message and waits for the next,
%% as erlang:process_info/2 counts it: control block, stack and heap (the
%% default minimum heap of 233 words), in bytes.
idle_process_bytes() ->
    Pid = spawn(fun() -> component(resident, 0) end),
    Pid ! {add, 1, self(), none},
    receive {done, 1, none} -> ok after ?ACK_TIMEOUT_MS -> error(probe_lost) end,
    {memory, Bytes} = erlang:process_info(Pid, memory),
    exit(Pid, kill),
    Bytes.
