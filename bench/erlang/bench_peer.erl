%% What bench/erlang/million.erl and runtime.erl share: how they measure and
%% how they print the one line bench/erlang_peer.h parses.
-module(bench_peer).
-export([percentile_us/2, proc_status_kib/1, fields/1]).

%% The same rule as bench/support.h's percentile(): the sorted sample at index
%% min(size - 1, floor(p * size)), here in microseconds.
percentile_us([], _P) ->
    0.0;
percentile_us(Samples, P) ->
    Sorted = lists:sort(Samples),
    Length = length(Sorted),
    Native = lists:nth(min(Length, trunc(P * Length) + 1), Sorted),
    erlang:convert_time_unit(Native, native, nanosecond) / 1000.

%% A field of /proc/self/status in KiB. erl execs the emulator, so self is
%% the VM (its helper erl_child_setup, a separate small process, is excluded).
proc_status_kib(Key) ->
    {ok, Status} = file:read_file("/proc/self/status"),
    Rests = [string:prefix(Line, Key) || Line <- string:split(Status, "\n", all)],
    [Rest] = [R || R <- Rests, R =/= nomatch],
    [Value, <<"kB">>] = string:lexemes(Rest, " \t"),
    binary_to_integer(Value).

%% `erlang k=v k=v ...` and a newline.
fields(Pairs) ->
    ["erlang", [[" ", atom_to_list(Key), "=", value(Value)] || {Key, Value} <- Pairs], "\n"].

value(V) when is_integer(V) -> integer_to_list(V);
%% short: the shortest text that reads back as the same float (seconds of a
%% 35 ms fan-out need more than 3 decimals).
value(V) when is_float(V) -> float_to_list(V, [short]);
value(V) when is_atom(V) -> atom_to_list(V).
