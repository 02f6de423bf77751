# fig3_left.gp - the paper's Figure 3 (left): the arithmetic energy of one
# multiply-accumulate of a matmul from the energy model (arXiv 2310.11453
# Table 2, the values the paper uses), multiply (solid) and add (hatched)
# stacked, for fp16 (the LLaMA baseline: fp16 mul + add), int8 (int8 mul +
# add) and ternary (BitNet b1.58: an int8 add, no multiply), at 7 nm and
# 45 nm.  Above each bar its total and how many times less than fp16 at
# the same node; the paper's own ratio (it draws 7 nm only) next to ours
# where the report has it.  Reads fig3_left.csv (x, node, format, mul_pj,
# add_pj, total_pj, ratio_vs_fp16, paper_total_pj, paper_ratio, paper_label:
# '-' when none).
fig = 'fig3_left'
load plots.'style.gp'
title_text = 'Figure 3 (left): arithmetic energy of one multiply-accumulate (energy model)'
nodata = nodata_fig3_left
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set style fill solid 0.85 border lc rgb '#333333'
    set boxwidth 0.8
    set xrange [-0.8:6.8]
    set yrange [0:*]
    set offsets 0, 0, graph 0.22, 0
    set ylabel 'energy per multiply-accumulate (pJ)'
    set xlabel 'format and process node'
    set xtics ('fp16' 0, 'int8' 1, 'ternary' 2, 'fp16' 4, 'int8' 5, 'ternary' 6) scale 0
    set label 10 '7 nm' at first 1, graph -0.13 center font ',12'
    set label 11 '45 nm' at first 5, graph -0.13 center font ',12'
    set arrow 12 from first 3, graph 0 to first 3, graph 0.84 nohead dt 2 lc rgb '#aaaaaa'
    set key inside left top opaque box font ',10'
    set label 14 "above each bar: its total; 'Nx less': fp16's total at the same node / this one's" \
        at graph 0.98, graph 0.96 right font ',9' noenhanced
    if (strlen(fig3_left_paper_note) > 0) {
        set label 13 "paper's ratio: ".fig3_left_paper_note at graph 0.98, graph 0.90 right font ',9' \
            textcolor rgb '#aa3333' noenhanced
    }
    color(f) = f eq 'ternary' ? fmt_color('tq2') : fmt_color(f)
    plot for [f in 'fp16 int8 ternary'] 'fig3_left.csv' using 1:(strcol(3) eq f ? $4 + $5 : NaN) w boxes \
             fs pattern 4 border lc rgb '#333333' lc rgb color(f) notitle, \
         for [f in 'fp16 int8 ternary'] 'fig3_left.csv' using 1:(strcol(3) eq f ? $4 : NaN) w boxes \
             fs solid 0.85 border lc rgb '#333333' lc rgb color(f) notitle, \
         'fig3_left.csv' using 1:6:(sprintf('%.3g pJ', $6)) w labels noenhanced center offset 0,0.8 font ',9' notitle, \
         'fig3_left.csv' using 1:6:($7 == 1 ? '' : sprintf('%.3gx less', $7)) w labels noenhanced center offset 0,1.8 \
             font ',9' notitle, \
         'fig3_left.csv' using 1:6:(strcol(10) eq '-' ? '' : strcol(10)) w labels noenhanced center offset 0,2.8 font ',9' textcolor rgb '#555555' notitle, \
         NaN w boxes fs solid 0.85 border lc rgb '#333333' lc rgb '#888888' t 'multiply (solid)', \
         NaN w boxes fs pattern 4 border lc rgb '#333333' lc rgb '#888888' t 'add (hatched)'
}
