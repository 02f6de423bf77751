# table1.gp - the paper's Table 1 on this CPU: decode latency (ms/token,
# median with the 95% CI from the tokens/s CI) and memory (weights + KV
# cache, GB) per model size, one bar per format.  Reads table1.csv (model,
# then per format of e2e_formats: ms, lo, hi, GB) exported from e2e cases
# (decode at batch 1).  A format not measured for a model has no bar.
fig = 'table1'
load plots.'style.gp'
title_text = 'Table 1: decode latency and memory per model'
nodata = nodata_table1
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set multiplot layout 1,2 title title_text.(e2e_extrapolated ? ' (some rows extrapolated from fewer layers)' : '')
    set style data histogram
    set style fill solid 0.85 border lc rgb '#333333'
    set boxwidth 0.9
    set key top left opaque
    set xlabel 'model'
    set yrange [0:*]
    set style histogram errorbars gap 2 lw 1
    set ylabel 'decode latency (ms per token; median, 95% CI)'
    plot for [i=1:words(e2e_formats)] 'table1.csv' using (column(4*i-2)):(column(4*i-1)):(column(4*i)):xtic(1) \
         lc rgb fmt_color(word(e2e_formats,i)) t word(e2e_formats,i)
    set style histogram clustered gap 2
    set ylabel 'memory: weights + KV cache (GB)'
    plot for [i=1:words(e2e_formats)] 'table1.csv' using (column(4*i+1)):xtic(1) \
         lc rgb fmt_color(word(e2e_formats,i)) t word(e2e_formats,i)
    unset multiplot
}
