# Bar chart of the benchmark ratios (bench/run.sh passes `data` and `output`).
set terminal pngcairo size 900,480 font "sans,10"
set output output
set title "wasmhive: ratios to the baseline measured in the same run (higher is better; 1 = baseline)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
set xtics noenhanced
set key off
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb "#888888"
plot data using 2:xtic(1) linecolor rgb "#3b7dd8"
