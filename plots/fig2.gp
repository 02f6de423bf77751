# fig2.gp - the paper's Figure 2 on this CPU: decode latency and memory
# against model size (billions of parameters, log x), one line per format;
# extrapolated points drawn open.  Reads fig2.csv (size_b, format,
# ms_per_token, memory_gb, extrapolated).
fig = 'fig2'
load plots.'style.gp'
title_text = 'Figure 2: latency and memory against model size'
nodata = nodata_fig2
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set multiplot layout 1,2 title title_text
    set logscale x
    set xlabel 'model size (B parameters)'
    set key top left
    set ylabel 'ms per token'
    plot for [i=1:words(formats)] 'fig2.csv' using 1:(strcol(2) eq word(formats,i) && $5 == 0 ? $3 : NaN) w lp pt 7 lc rgb fmt_color(word(formats,i)) t word(formats,i), \
         for [i=1:words(formats)] 'fig2.csv' using 1:(strcol(2) eq word(formats,i) && $5 == 1 ? $3 : NaN) w p pt 6 lc rgb fmt_color(word(formats,i)) notitle
    set ylabel 'memory (GB)'
    plot for [i=1:words(formats)] 'fig2.csv' using 1:(strcol(2) eq word(formats,i) ? $4 : NaN) w lp pt 7 lc rgb fmt_color(word(formats,i)) t word(formats,i)
    unset multiplot
}
