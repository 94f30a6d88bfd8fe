# Bar chart of the benchmark ratios (bench/run.sh passes `data` and `output`).
# Each line of the data (bench/report.py): "label" ratio group, where group 1
# is a ratio to Erlang, 2 to CAF, 3 within wasmhive (or to raw SQLite).
set terminal pngcairo size 1100,520 font "sans,10"
set output output
set title "wasmhive: ratios to the baseline measured in the same run (higher is better; 1 = baseline)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
set xtics noenhanced rotate by -30 left
set key top right
set bmargin 7
set autoscale xfix
set offsets 0.3, 0.3, 0, 0
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb "#888888"
colour(group) = group == 1 ? 0xa6192e : group == 2 ? 0x3b7dd8 : 0x6a8f3a
plot data using 0:2:(colour($3)):xtic(1) with boxes linecolor rgb variable notitle, \
     keyentry with boxes linecolor rgb "#a6192e" title "vs Erlang", \
     keyentry with boxes linecolor rgb "#3b7dd8" title "vs CAF", \
     keyentry with boxes linecolor rgb "#6a8f3a" title "within wasmhive / vs SQLite"
