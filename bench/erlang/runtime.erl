%% Erlang's side of the messaging benchmarks (bench/runtime_bench.cc): the
%% same fixed workloads as wasmhive's components and CAF's actors, run in the
%% same invocation so the figures share a machine and a moment. Erlang measures
%% itself (erlang:monotonic_time, VM start and halt excluded);
%% bench/erlang_peer.h starts it as
%%
%%   erl -noinput +S <schedulers> [+P <limit>] -pa <beam dir> -run runtime main <workload> <args>
%%
%% and parses the one line it prints on stdout, `erlang workload=<name> k=v ...`.
%% Every line has workload, schedulers (emulator threads running processes:
%% +S, 1 like our 1 worker and CAF's 1 thread, or 2 like our 2 workers),
%% otp_release and seconds (the measured time, all repetitions). Workloads:
%%
%%   ping_pong <rounds> <repetitions>
%%     two processes rally <rounds> rounds (ping + pong, 2 messages a round),
%%     <repetitions> times. msgs_per_s: all messages over all rallies' time;
%%     median_msgs_per_s: the median rally.
%%   fan_out_in <receivers> <rounds> <iterations>
%%     a hub sends to <receivers> processes and collects their answers,
%%     <rounds> rounds an iteration (2 * receivers * rounds messages).
%%     msgs_per_s as above.
%%   round_trip <requests> <repetitions>
%%     a client sends {self(), Ref, Payload} to an echo and waits for
%%     {Ref, Payload}, one request at a time, in <repetitions> chains. One clock
%%     read per round trip, as the wasm requester (tests/guests/c/burster.c)
%%     does: each sample is the time since the previous reply (the first since
%%     the chain started), so one read is inside every sample, as in wasm's. p50_us, p99_us, p999_us: the last chain (the
%%     first ones warm up, as wasm's do); mean_us: all chains; requests_per_s;
%%     clock_ns: what one erlang:monotonic_time() costs (a loop of them).
%%   outstanding <requests> <repetitions>
%%     the client sends all <requests> at once and then collects the replies.
%%     requests_per_s over all repetitions.
%%   spawn <count>
%%     spawns <count> processes that wait in receive, timing each spawn (two
%%     clock reads around spawn/1). spawn_p50_us, spawn_p99_us; spawns_per_s:
%%     count over the whole loop (the clock reads included);
%%     memory_per_process_bytes: erlang:memory(processes) after minus before,
%%     less the driver's own growth (its lists of pids and samples), over
%%     count, once every process waits in receive; process_bytes:
%%     erlang:process_info(Pid, memory) of one of them; rss_per_process_kib:
%%     the VM's VmRSS after minus before, over count; clock_ns as above.
%%
%% Payloads are the smallest natural terms (atoms, a 1-byte binary for a
%% request, as wasm's "x"). Receives inside the measured loops have no `after`:
%% a timeout would arm a timer at every wait. The driver waits with one, so a
%% lost message ends the run with an error instead of a hang.
-module(runtime).
-export([main/1]).

%% The driver's wait for a whole rally, fan-out, chain or burst.
-define(TIMEOUT_MS, 60000).

%% Entry point for `-run runtime main Workload Args...`: prints the result line
%% and halts with 0, or prints why on stderr and halts with 1 (failed) or 2
%% (usage). It halts so that init does not stop 10,000 idle processes one by one.
-spec main([string()]) -> no_return().
main([Workload | Args]) ->
    try [list_to_integer(A) || A <- Args] of
        Numbers when Numbers =/= [] ->
            try run(Workload, Numbers) of
                usage ->
                    usage();
                Pairs ->
                    Common = [{workload, list_to_atom(Workload)},
                              {schedulers, erlang:system_info(schedulers_online)},
                              {otp_release, list_to_integer(erlang:system_info(otp_release))}],
                    io:put_chars(bench_peer:fields(Common ++ Pairs)),
                    erlang:halt(0)
            catch
                Class:Reason ->
                    io:format(standard_error, "runtime ~s: ~p:~p~n", [Workload, Class, Reason]),
                    erlang:halt(1)
            end;
        _ ->
            usage()
    catch
        error:badarg -> usage()
    end;
main(_) ->
    usage().

usage() ->
    io:format(standard_error,
              "usage: runtime main ping_pong ROUNDS REPS | fan_out_in RECEIVERS ROUNDS ITERATIONS"
              " | round_trip REQUESTS REPS | outstanding REQUESTS REPS | spawn COUNT~n", []),
    erlang:halt(2).

run("ping_pong", [Rounds, Reps]) when Rounds > 0, Reps > 0 ->
    ping_pong(Rounds, Reps);
run("fan_out_in", [Receivers, Rounds, Iterations])
  when Receivers > 0, Rounds > 0, Iterations > 0 ->
    fan_out_in(Receivers, Rounds, Iterations);
run("round_trip", [Requests, Reps]) when Requests > 0, Reps > 0 ->
    round_trip(Requests, Reps);
run("outstanding", [Requests, Reps]) when Requests > 0, Reps > 0 ->
    outstanding(Requests, Reps);
run("spawn", [Count]) when Count > 0 ->
    spawn_idle(Count);
run(_, _) ->
    usage.

%% ---- ping-pong ----------------------------------------------------------------

ping_pong(Rounds, Reps) ->
    Pong = spawn_link(fun pong/0),
    Ping = spawn_link(fun ping/0),
    Times = [await(Ping, {serve, Pong, Rounds, self()}) || _ <- lists:seq(1, Reps)],
    Seconds = seconds(lists:sum(Times)),
    [{rounds, Rounds}, {repetitions, Reps}, {seconds, Seconds},
     {msgs_per_s, 2 * Rounds * Reps / Seconds},
     {median_msgs_per_s, 2 * Rounds / seconds(median(Times))}].

%% Asks Worker to do one job and waits for it: the native time it took.
await(Worker, Job) ->
    Start = erlang:monotonic_time(),
    Worker ! Job,
    receive
        {done, Worker} -> erlang:monotonic_time() - Start
    after ?TIMEOUT_MS ->
        error({lost, Job})
    end.

ping() ->
    receive
        {serve, Pong, Rounds, From} ->
            rally(Pong, Rounds),
            From ! {done, self()},
            ping()
    end.

rally(_Pong, 0) ->
    ok;
rally(Pong, N) ->
    Pong ! {ping, self()},
    receive pong -> rally(Pong, N - 1) end.

%% Also the fan-out's receiver: answers every ping.
pong() ->
    receive
        {ping, From} ->
            From ! pong,
            pong()
    end.

%% ---- fan-out/fan-in -----------------------------------------------------------

fan_out_in(Receivers, Rounds, Iterations) ->
    Pongs = [spawn_link(fun pong/0) || _ <- lists:seq(1, Receivers)],
    Hub = spawn_link(fun() -> hub(Pongs) end),
    Times = [await(Hub, {fan, Rounds, self()}) || _ <- lists:seq(1, Iterations)],
    Seconds = seconds(lists:sum(Times)),
    [{receivers, Receivers}, {rounds, Rounds}, {iterations, Iterations},
     {seconds, Seconds}, {msgs_per_s, 2 * Receivers * Rounds * Iterations / Seconds}].

hub(Pongs) ->
    receive
        {fan, Rounds, From} ->
            fan(Pongs, length(Pongs), Rounds, {ping, self()}),
            From ! {done, self()},
            hub(Pongs)
    end.

fan(_Pongs, _N, 0, _Ping) ->
    ok;
fan(Pongs, N, Rounds, Ping) ->
    send_all(Pongs, Ping),
    collect(N),
    fan(Pongs, N, Rounds - 1, Ping).

send_all([], _Message) -> ok;
send_all([Pid | Pids], Message) ->
    Pid ! Message,
    send_all(Pids, Message).

collect(0) -> ok;
collect(N) -> receive pong -> collect(N - 1) end.

%% ---- requests -----------------------------------------------------------------

round_trip(Requests, Reps) ->
    Echo = spawn_link(fun echo/0),
    Client = spawn_link(fun client/0),
    Chains = [job(Client, {chain, Echo, Requests, self()}) || _ <- lists:seq(1, Reps)],
    Total = lists:sum([Elapsed || {Elapsed, _} <- Chains]),
    {_, Last} = lists:last(Chains),
    Seconds = seconds(Total),
    [{requests, Requests}, {repetitions, Reps}, {seconds, Seconds},
     {requests_per_s, Requests * Reps / Seconds},
     {mean_us, Seconds * 1.0e6 / (Requests * Reps)},
     {p50_us, bench_peer:percentile_us(Last, 0.50)},
     {p99_us, bench_peer:percentile_us(Last, 0.99)},
     {p999_us, bench_peer:percentile_us(Last, 0.999)},
     {clock_ns, clock_ns()}].

outstanding(Requests, Reps) ->
    Echo = spawn_link(fun echo/0),
    Client = spawn_link(fun client/0),
    Total = lists:sum([element(1, job(Client, {burst, Echo, Requests, self()}))
                       || _ <- lists:seq(1, Reps)]),
    Seconds = seconds(Total),
    [{requests, Requests}, {repetitions, Reps}, {seconds, Seconds},
     {requests_per_s, Requests * Reps / Seconds}].

%% Like await/2, for a job that answers with a result: {Elapsed, Result}.
job(Worker, Job) ->
    Worker ! Job,
    receive
        {done, Worker, Elapsed, Result} -> {Elapsed, Result}
    after ?TIMEOUT_MS ->
        error({lost, Job})
    end.

echo() ->
    receive
        {From, Ref, Payload} ->
            From ! {Ref, Payload},
            echo()
    end.

client() ->
    receive
        {chain, Echo, N, From} ->
            Start = erlang:monotonic_time(),
            {End, Samples} = chain(Echo, N, Start, []),
            From ! {done, self(), End - Start, Samples};
        {burst, Echo, N, From} ->
            Start = erlang:monotonic_time(),
            request_all(Echo, N),
            replies(N),
            From ! {done, self(), erlang:monotonic_time() - Start, none}
    end,
    client().

%% N requests one after the other; Previous is the clock at the last reply
%% (or the start): the next request leaves then.
chain(_Echo, 0, Previous, Samples) ->
    {Previous, Samples};
chain(Echo, N, Previous, Samples) ->
    Ref = make_ref(),
    Echo ! {self(), Ref, <<"x">>},
    receive {Ref, _Reply} -> ok end,
    Now = erlang:monotonic_time(),
    chain(Echo, N - 1, Now, [Now - Previous | Samples]).

request_all(_Echo, 0) -> ok;
request_all(Echo, N) ->
    Echo ! {self(), make_ref(), <<"x">>},
    request_all(Echo, N - 1).

replies(0) -> ok;
replies(N) -> receive {Ref, _Reply} when is_reference(Ref) -> replies(N - 1) end.

%% ---- spawn --------------------------------------------------------------------

spawn_idle(Count) ->
    erlang:garbage_collect(),
    RssBefore = bench_peer:proc_status_kib("VmRSS:"),
    Before = erlang:memory(processes),
    {memory, SelfBefore} = erlang:process_info(self(), memory),
    Start = erlang:monotonic_time(),
    {Pids, Samples} = spawn_loop(Count, [], []),
    Elapsed = erlang:monotonic_time() - Start,
    lists:foreach(fun wait_idle/1, Pids),
    {memory, SelfAfter} = erlang:process_info(self(), memory),
    After = erlang:memory(processes),
    RssAfter = bench_peer:proc_status_kib("VmRSS:"),
    {memory, ProcessBytes} = erlang:process_info(hd(Pids), memory),
    Seconds = seconds(Elapsed),
    [{count, Count}, {seconds, Seconds}, {spawns_per_s, Count / Seconds},
     {spawn_p50_us, bench_peer:percentile_us(Samples, 0.50)},
     {spawn_p99_us, bench_peer:percentile_us(Samples, 0.99)},
     {memory_per_process_bytes, (After - Before - (SelfAfter - SelfBefore)) / Count},
     {process_bytes, ProcessBytes},
     {rss_per_process_kib, (RssAfter - RssBefore) / Count},
     {clock_ns, clock_ns()}].

spawn_loop(0, Pids, Samples) ->
    {Pids, Samples};
spawn_loop(N, Pids, Samples) ->
    Before = erlang:monotonic_time(),
    Pid = spawn(fun idle/0),
    After = erlang:monotonic_time(),
    spawn_loop(N - 1, [Pid | Pids], [After - Before | Samples]).

idle() ->
    receive stop -> ok end.

%% Until Pid has run and waits in receive (the other scheduler may not have
%% got to it yet).
wait_idle(Pid) ->
    case erlang:process_info(Pid, status) of
        {status, waiting} -> ok;
        {status, _} -> erlang:yield(), wait_idle(Pid)
    end.

%% ---- helpers (as in million.erl) ------------------------------------------------

%% The cost of one erlang:monotonic_time(), which the samples include: a
%% clock_gettime through the VM, 35 to 120 ns on these virtual machines.
clock_ns() ->
    Reads = 100000,
    Start = erlang:monotonic_time(),
    read_clock(Reads),
    erlang:convert_time_unit(erlang:monotonic_time() - Start, native, nanosecond) / Reads.

read_clock(0) -> ok;
read_clock(N) ->
    _ = erlang:monotonic_time(),
    read_clock(N - 1).

seconds(Native) ->
    erlang:convert_time_unit(Native, native, nanosecond) / 1.0e9.

median(Values) ->
    lists:nth(length(Values) div 2 + 1, lists:sort(Values)).
