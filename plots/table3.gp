# table3.gp - the paper's Table 3 on this CPU: throughput (tokens/s)
# against batch size, one line per format.  Reads table3.csv (batch,
# format, tokens_per_s).
fig = 'table3'
load plots.'style.gp'
title_text = 'Table 3: throughput against batch size'
nodata = nodata_table3
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set logscale x 2
    set xlabel 'batch (sequences)'
    set ylabel 'tokens/s'
    set key top left
    plot for [i=1:words(formats)] 'table3.csv' using 1:(strcol(2) eq word(formats,i) ? $3 : NaN) w lp pt 7 lc rgb fmt_color(word(formats,i)) t word(formats,i)
}
