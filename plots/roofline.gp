# roofline.gp - each matmul case a point at its operational intensity
# (analytic ops / bytes per iteration) and its measured GOP/s, at the run's
# largest thread count; the run's own measured ceilings: DRAM read
# bandwidth (largest read probe), cache-resident read bandwidth (smallest
# probe) and the int8 / fp32 compute peaks (best repetitions).  Filled
# marks: hot (weights cache-resident); open marks: cold (streamed from memory).
# A ceiling the run did not measure (NaN in meta.gp) is neither drawn nor
# in the legend; the figure names it and says why (missing_ceilings).
fig = 'roofline'
load plots.'style.gp'
title_text = sprintf('Roofline, %d thread(s): measured ceilings of this run', roof_threads)
nodata = nodata_roofline
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    if (strlen(missing_ceilings) > 0) {
        # title and the missing-ceilings note on lines of their own, above the plot
        set label 1 title_text at screen 0.4, screen 0.965 center
        set label 2 'not drawn: '.missing_ceilings at screen 0.4, screen 0.925 center font ',9' \
            textcolor rgb '#aa3333' noenhanced
        set tmargin 5
    } else {
        set title title_text
    }
    set logscale xy
    set xlabel 'operational intensity (ops / byte)'
    set ylabel 'GOP/s'
    set format x '%g'
    set format y '%g'
    set key outside right top box opaque
    set xrange [0.1:1000]
    peak = (peak_int8 == peak_int8) ? peak_int8 : peak_fp32
    roof(bw, x) = (peak == peak) ? ((bw * x < peak) ? bw * x : peak) : bw * x
    # an empty title leaves the line out of the legend
    have(v) = v == v
    plot (have(bw_dram) ? roof(bw_dram, x) : NaN) w l lw 2 lc rgb '#555555' dt 1 \
             t (have(bw_dram) ? sprintf('DRAM read %.1f GB/s', bw_dram) : ''), \
         (have(bw_cache) ? roof(bw_cache, x) : NaN) w l lw 2 lc rgb '#999999' dt 2 \
             t (have(bw_cache) ? sprintf('cache read %.1f GB/s', bw_cache) : ''), \
         (have(peak_fp32) ? peak_fp32 : NaN) w l lw 1 lc rgb '#999999' dt 3 \
             t (have(peak_fp32) ? sprintf('fp32 peak %.0f GOP/s', peak_fp32) : ''), \
         (have(peak_int8) ? peak_int8 : NaN) w l lw 1 lc rgb '#555555' dt 3 \
             t (have(peak_int8) ? sprintf('int8 peak %.0f GOP/s', peak_int8) : ''), \
         for [i=1:words(formats)] 'roofline.csv' using 4:(strcol(1) eq word(formats,i) && strcol(2) eq 'hot' ? $5 : NaN) \
             w p pt 7 ps 1.4 lc rgb fmt_color(word(formats,i)) notitle, \
         for [i=1:words(formats)] NaN w p pt 5 ps 1.4 lc rgb fmt_color(word(formats,i)) t word(formats,i), \
         for [i=1:words(formats)] 'roofline.csv' using 4:(strcol(1) eq word(formats,i) && strcol(2) eq 'cold' ? $5 : NaN) \
             w p pt 6 ps 1.6 lw 2 lc rgb fmt_color(word(formats,i)) notitle, \
         NaN w p pt 7 lc rgb '#000000' t 'hot (filled)', NaN w p pt 6 lc rgb '#000000' t 'cold (open)'
}
