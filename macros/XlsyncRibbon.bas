Attribute VB_Name = "XlsyncRibbon"
' Ribbon callbacks of the xlsync add-in (tab in customUI.xml).
'
' Each button hands its work to Python through xlwings' RunPython; the Python side
' (xlsync.ribbon) takes the workbook the user is looking at (ActiveWorkbook) as its
' caller, reports progress in the status bar and shows every problem as a message box.
'
' This file is kept ASCII-only on purpose: VBA stores source in the code page of the
' machine that saved it, so Chinese text is spelled as UTF-16 code points (see Zh) and
' reaches Python as \u escapes (see PyText). It reads the same on every Windows and Mac.
Option Explicit

Private Const ENTRY As String = "import xlsync.ribbon as ribbon; ribbon."

' RunPython hands Python the workbook the user is looking at (ActiveWorkbook). With no workbook
' open, xlwings' RunPython stops with VBA error 91 ("Object variable not set"): say instead, in
' Chinese, what to do ("Please open a class workbook or the school master first, then click this
' button again."). Every button runs Python through here.
Private Sub RunEntry(code As String)
    If ActiveWorkbook Is Nothing Then
        MsgBox Zh("8BF7 5148 6253 5F00 73ED 7EA7 53F0 8D26 6216 5168 6821 6C47 603B FF0C 518D 70B9 8FD9 4E2A 6309 94AE 3002"), _
               vbExclamation, Zh("0078 006C 0073 0079 006E 0063 0020 7559 5B88 513F 7AE5 5E2E 6276")
        Exit Sub
    End If
    RunPython ENTRY & code
End Sub

Public Sub ValidateBook(control As IRibbonControl)
    RunEntry "validate_book()"
End Sub

Public Sub OverdueBook(control As IRibbonControl)
    RunEntry "overdue_book()"
End Sub

Public Sub ConsolidateSchool(control As IRibbonControl)
    RunEntry "consolidate_school()"
End Sub

Public Sub TermReport(control As IRibbonControl)
    RunEntry "term_report()"
End Sub

Public Sub SyncSchool(control As IRibbonControl)
    RunEntry "sync_school()"
End Sub

Public Sub NewClass(control As IRibbonControl)
    Dim className As Variant, teacher As Variant
    ' Application.InputBox (unlike VBA's InputBox) passes Chinese text through on any code page.
    ' Prompts: "Please enter the new class's name (for example: Grade 3 Class 2):" and
    ' "Please enter the name of this class's head teacher:"; title: "New class workbook".
    className = Application.InputBox(Zh("8BF7 8F93 5165 65B0 73ED 7EA7 7684 540D 79F0 FF08 4F8B 5982 FF1A 4E09 5E74 7EA7 0032 73ED FF09 FF1A"), _
                                     Zh("65B0 5EFA 73ED 7EA7 8868"), Type:=2)
    If VarType(className) = vbBoolean Then Exit Sub ' cancelled
    If Len(Trim$(className)) = 0 Then Exit Sub
    teacher = Application.InputBox(Zh("8BF7 8F93 5165 8FD9 4E2A 73ED 73ED 4E3B 4EFB 7684 59D3 540D FF1A"), _
                                   Zh("65B0 5EFA 73ED 7EA7 8868"), Type:=2)
    If VarType(teacher) = vbBoolean Then Exit Sub
    If Len(Trim$(teacher)) = 0 Then Exit Sub
    RunEntry "new_class(" & PyText(CStr(className)) & ", " & PyText(CStr(teacher)) & ")"
End Sub

Public Sub PrintBook(control As IRibbonControl)
    Dim className As Variant
    className = ""
    ' In the school master (no sheet "student records"), ask which class: "Please enter the class
    ' to print (for example: Grade 3 Class 1; leave empty for the whole school):"; title "Print files".
    If Not ActiveWorkbook Is Nothing Then
        If Not HasSheet(Zh("5B66 751F 6863 6848")) Then
            className = Application.InputBox(Zh("8BF7 8F93 5165 8981 6253 5370 6863 6848 7684 73ED 7EA7 FF08 4F8B 5982 FF1A 4E09 5E74 7EA7 0031 73ED FF1B 4E0D 586B 5219 6253 5370 5168 6821 FF09 FF1A"), _
                                             Zh("6253 5370 6863 6848"), Type:=2)
            If VarType(className) = vbBoolean Then Exit Sub ' cancelled
        End If
    End If
    RunEntry "print_book(" & PyText(Trim$(CStr(className))) & ")"
End Sub

' True when the active workbook has a worksheet of this name.
Private Function HasSheet(sheetName As String) As Boolean
    Dim sheet As Object
    For Each sheet In ActiveWorkbook.Worksheets
        If sheet.Name = sheetName Then HasSheet = True
    Next sheet
End Function

Public Sub RollupCounty(control As IRibbonControl)
    RunEntry "rollup_county()"
End Sub

Public Sub ShowHelp(control As IRibbonControl)
    RunEntry "show_help()"
End Sub

' Text from space-separated hexadecimal UTF-16 code points: Zh("0041 0042") is the text "AB".
Public Function Zh(codes As String) As String
    Dim part As Variant
    For Each part In Split(codes, " ")
        If Len(part) > 0 Then Zh = Zh & ChrW$(CLng("&H" & part))
    Next part
End Function

' A Python string literal of any text, as ASCII only: every character becomes \uXXXX.
Public Function PyText(text As String) As String
    Dim i As Long
    PyText = "'"
    For i = 1 To Len(text)
        PyText = PyText & "\u" & Right$("000" & Hex$(AscW(Mid$(text, i, 1)) And &HFFFF&), 4)
    Next i
    PyText = PyText & "'"
End Function
